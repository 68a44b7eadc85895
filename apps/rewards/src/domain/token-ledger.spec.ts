import fc from 'fast-check';
import { Posting } from '@gridex/persistence';
import { slashUnits } from './slashing';
import {
  claimPostings,
  depositPostings,
  emissionPostings,
  payoutPostings,
  payoutReversalPostings,
  slashPostings,
  stakePostings,
  TokenAccounts,
  tokenSupply,
  unstakePostings,
  withdrawalPostings,
} from './token-ledger';

/**
 * The token ledger as the services drive it, run over random sequences of every movement. A book applies a
 * movement's postings the way the database does: all or nothing, refused if a holder's account would go
 * negative. Whatever the sequence, the supply changes only by emissions, slashing burns and the chain's deposits
 * and withdrawals, and no holder balance is ever negative.
 */
type Op =
  | { op: 'emit'; shares: Array<{ node: number; units: bigint; compounded: boolean }> }
  | { op: 'stake'; node: number; units: bigint }
  | { op: 'unstake'; node: number; units: bigint }
  | { op: 'withdraw' }
  | { op: 'slash'; node: number; bps: number }
  | { op: 'claim'; units: bigint }
  | { op: 'settle'; paid: boolean }
  | { op: 'deposit'; units: bigint };

const SUPPLIER = 'sup-a';
const NODES = ['n-0', 'n-1', 'n-2'];
const units = fc.bigInt({ min: 1n, max: 5_000n });
const node = fc.integer({ min: 0, max: NODES.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('emit' as const),
    shares: fc.array(fc.record({ node, units, compounded: fc.boolean() }), { maxLength: 3 }),
  }),
  fc.record({ op: fc.constant('stake' as const), node, units }),
  fc.record({ op: fc.constant('unstake' as const), node, units }),
  fc.record({ op: fc.constant('withdraw' as const) }),
  fc.record({ op: fc.constant('slash' as const), node, bps: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ op: fc.constant('claim' as const), units }),
  fc.record({ op: fc.constant('settle' as const), paid: fc.boolean() }),
  fc.record({ op: fc.constant('deposit' as const), units }),
);

class Book {
  readonly balances = new Map<string, bigint>();
  unbonding: bigint[] = [];
  pendingClaims: bigint[] = [];

  of(account: string): bigint {
    return this.balances.get(account) ?? 0n;
  }

  /** All or nothing, like one database transaction; false when a holder's account would go negative. */
  apply(postings: readonly Posting[]): boolean {
    expect(postings.reduce((sum, p) => sum + p.amount, 0n)).toBe(0n);
    const next = new Map(this.balances);
    for (const { account, amount } of postings) next.set(account, (next.get(account) ?? 0n) + amount);
    if ([...next].some(([account, balance]) => !account.startsWith('platform:') && balance < 0n))
      return false;
    for (const [account, balance] of next) this.balances.set(account, balance);
    return true;
  }

  run(step: Op): void {
    switch (step.op) {
      case 'emit': {
        const postings = emissionPostings(
          step.shares.map((s) => ({ supplierId: SUPPLIER, nodeId: NODES[s.node], ...s })),
        );
        if (postings.length > 0) this.apply(postings);
        return;
      }
      case 'stake':
        this.apply(stakePostings(SUPPLIER, NODES[step.node], step.units));
        return;
      case 'unstake':
        if (this.apply(unstakePostings(SUPPLIER, NODES[step.node], step.units)))
          this.unbonding.push(step.units);
        return;
      case 'withdraw':
        for (const matured of this.unbonding.splice(0)) this.apply(withdrawalPostings(SUPPLIER, matured));
        return;
      case 'slash': {
        const slashed = slashUnits(this.of(TokenAccounts.bonded(NODES[step.node])), step.bps);
        if (slashed > 0n) this.apply(slashPostings(NODES[step.node], slashed));
        return;
      }
      case 'claim':
        if (this.apply(claimPostings(SUPPLIER, step.units))) this.pendingClaims.push(step.units);
        return;
      case 'settle': {
        const claim = this.pendingClaims.shift();
        if (claim === undefined) return;
        this.apply(step.paid ? payoutPostings(SUPPLIER, claim) : payoutReversalPostings(SUPPLIER, claim));
        return;
      }
      case 'deposit':
        this.apply(depositPostings(SUPPLIER, step.units));
        return;
    }
  }
}

describe('token ledger', () => {
  it('keeps supply = emitted − burned + deposited − withdrawn, and no holder negative, under any sequence', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const book = new Book();
        for (const step of ops) {
          const before = tokenSupply(book.balances);
          book.run(step);
          const after = tokenSupply(book.balances);
          expect(after.consistent).toBe(true);
          // Only these movements change what holders hold, and each only by its own platform account.
          const minted = after.emittedUnits - before.emittedUnits;
          const burned = after.burnedUnits - before.burnedUnits;
          const deposited = after.depositedUnits - before.depositedUnits;
          const withdrawn = after.withdrawnUnits - before.withdrawnUnits;
          expect(after.heldUnits - before.heldUnits).toBe(minted - burned + deposited - withdrawn);
          if (step.op !== 'emit') expect(minted).toBe(0n);
          if (step.op !== 'slash') expect(burned).toBe(0n);
          if (step.op !== 'deposit') expect(deposited).toBe(0n);
          if (step.op !== 'settle') expect(withdrawn).toBe(0n);
        }
        for (const [account, balance] of book.balances) {
          if (!account.startsWith('platform:')) expect(balance).toBeGreaterThanOrEqual(0n);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('cannot stake tokens the supplier does not hold (stake → unstake → withdraw mints nothing)', () => {
    const book = new Book();
    expect(book.apply(stakePostings(SUPPLIER, 'n-0', 100n))).toBe(false);
    book.run({ op: 'deposit', units: 100n });
    book.run({ op: 'stake', node: 0, units: 100n });
    book.run({ op: 'unstake', node: 0, units: 100n });
    book.run({ op: 'withdraw' });
    expect(book.of(TokenAccounts.available(SUPPLIER))).toBe(100n);
    expect(tokenSupply(book.balances)).toMatchObject({
      heldUnits: 100n,
      depositedUnits: 100n,
      consistent: true,
    });
  });

  it.each<[string, Parameters<typeof emissionPostings>[0], Record<string, bigint>]>([
    [
      'nothing distributed: no transaction',
      [{ supplierId: 's', nodeId: 'n', units: 0n, compounded: false }],
      {},
    ],
    [
      "to the supplier's available, summed per supplier",
      [
        { supplierId: 's', nodeId: 'n1', units: 5n, compounded: false },
        { supplierId: 's', nodeId: 'n2', units: 7n, compounded: false },
      ],
      { 'platform:emissions': -12n, 'supplier:s:available': 12n },
    ],
    [
      "auto-compounding: into the node's bonded account, in the same transaction",
      [
        { supplierId: 's', nodeId: 'n1', units: 5n, compounded: true },
        { supplierId: 's', nodeId: 'n2', units: 7n, compounded: false },
      ],
      { 'node:n1:bonded': 5n, 'platform:emissions': -12n, 'supplier:s:available': 7n },
    ],
  ])('emission: %s', (_name, shares, expected) => {
    const postings = emissionPostings(shares);
    expect(Object.fromEntries(postings.map((p) => [p.account, p.amount]))).toEqual(expected);
  });

  it('flags an inconsistent book: a holder credited from nowhere', () => {
    const balances = new Map([
      [TokenAccounts.emissions, -10n],
      [TokenAccounts.available('s'), 10n],
      [TokenAccounts.bonded('n'), 5n],
    ]);
    expect(tokenSupply(balances).consistent).toBe(false);
  });
});
