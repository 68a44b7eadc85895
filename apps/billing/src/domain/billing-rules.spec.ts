import fc from 'fast-check';
import {
  Accounts,
  balancedTransaction,
  balances,
  nettedPostings,
  placeHold,
  tenantPayer,
  topUp,
} from './ledger';
import { advanceMeter, newMeter } from './meter';
import { holdRelease, usageChange } from './metering';
import { accrualMicros, chargeMicros, holdMicros, splitUsage, supplierShareMicros } from './money-rules';

describe('chargeMicros (rounded up)', () => {
  it.each<[string, bigint, number, bigint]>([
    ['an hour at $2.30', 2_300_000n, 3600, 2_300_000n],
    ['one second at $2.30: 638.88… → 639', 2_300_000n, 1, 639n],
    ['nothing used', 2_300_000n, 0, 0n],
    ['free capacity', 0n, 3600, 0n],
    ['8 GPUs × 90 s at $2.10', 2_100_000n, 720, 420_000n],
  ])('%s', (_name, price, seconds, expected) => {
    expect(chargeMicros(price, seconds)).toBe(expected);
  });

  it.each([
    [-1n, 1],
    [1n, -1],
    [1n, 1.5],
  ])('refuses price %s for %s s', (price, seconds) => {
    expect(() => chargeMicros(price, seconds)).toThrow(RangeError);
  });
});

describe('supplierShareMicros (rounded down)', () => {
  it.each<[bigint, number, bigint]>([
    [2_000_000n, 1, 555n], // 555.55…
    [2_000_000n, 3600, 2_000_000n],
    [1n, 3599, 0n],
  ])('ask %s for %s s → %s', (ask, seconds, expected) => {
    expect(supplierShareMicros(ask, seconds)).toBe(expected);
  });
});

describe('accrualMicros (cumulative)', () => {
  it('adds up to the charge of the total, however the usage is sliced', () => {
    const price = 2_300_001n;
    const cuts = [0, 1, 7, 60, 61, 3599, 3600, 7201];
    let posted = 0n;
    for (let i = 1; i < cuts.length; i += 1) posted += accrualMicros(price, cuts[i - 1], cuts[i]);
    expect(posted).toBe(chargeMicros(price, 7201));
  });

  it('refuses usage that shrinks', () => {
    expect(() => accrualMicros(1n, 10, 9)).toThrow(/cannot shrink/);
  });
});

describe('holdMicros', () => {
  it.each<[string, Array<{ gpus: number; pricePerGpuHourMicros: bigint }>, number, number, bigint]>([
    [
      '2 × 8 GPUs for 2 h at $2.30, no margin',
      [
        { gpus: 8, pricePerGpuHourMicros: 2_300_000n },
        { gpus: 8, pricePerGpuHourMicros: 2_300_000n },
      ],
      7200,
      0,
      73_600_000n,
    ],
    ['1 GPU for 10 min at $0.40 + 10 %', [{ gpus: 1, pricePerGpuHourMicros: 400_000n }], 600, 1000, 73_334n], // 73,333.3… ↑
  ])('%s', (_name, allocations, seconds, margin, expected) => {
    expect(holdMicros(allocations, seconds, margin)).toBe(expected);
  });
});

describe('ledger transactions', () => {
  it('merges postings per account and refuses unbalanced or empty ones', () => {
    expect(
      balancedTransaction([
        { account: 'a', amountMicros: 5n },
        { account: 'a', amountMicros: -2n },
        { account: 'b', amountMicros: -3n },
      ]),
    ).toEqual([
      { account: 'a', amountMicros: 3n },
      { account: 'b', amountMicros: -3n },
    ]);
    expect(() => balancedTransaction([{ account: 'a', amountMicros: 1n }])).toThrow(/unbalanced/);
    expect(() => balancedTransaction([{ account: 'a', amountMicros: 0n }])).toThrow(/empty/);
  });

  it('takes a tenant through top-up, hold and settlement: the hold is released, the rest split', () => {
    const meter = newMeter('r1', 'j1', 'acme');
    const context = { fundsMicros: 50_000_000n, holdMarginBps: 0 };
    const nodes = [
      {
        nodeId: 'n1',
        supplierId: 'dc',
        gpuProduct: 'H100-SXM5-80GB',
        gpus: 8,
        pricePerGpuHourMicros: 2_300_000n,
        askPerGpuHourMicros: 2_000_000n,
      },
    ];
    const start = new Date('2026-11-28T10:00:00Z');
    const effects = [
      ...advanceMeter(meter, { kind: 'matched', nodes, expectedSeconds: 3600 }, context),
      ...advanceMeter(meter, { kind: 'started', startedAt: start }, context),
      ...advanceMeter(
        meter,
        {
          kind: 'finished',
          startedAt: start,
          finishedAt: new Date(start.getTime() + 1_800_000),
          outcome: 'succeeded',
        },
        context,
      ),
    ];
    expect(effects.map((e) => e.kind)).toEqual(['hold-placed', 'settled']);
    const ledger = [topUp('acme', 50_000_000n), ...effects.map((e) => ('postings' in e ? e.postings : []))];
    expect(Object.fromEntries(balances(ledger))).toEqual({
      [Accounts.paymentsClearing]: -50_000_000n,
      [Accounts.tenantAvailable('acme')]: 50_000_000n - 9_200_000n,
      [Accounts.tenantHeld('acme')]: 0n,
      [Accounts.supplierPayable('dc')]: 8_000_000n,
      [Accounts.platformRevenue]: 1_200_000n,
    });
  });

  it.each([
    ['a top-up', () => topUp('t', 0n)],
    ['a hold', () => placeHold(tenantPayer('t'), -1n)],
  ])('refuses a non-positive %s', (_name, make) => {
    expect(make).toThrow(RangeError);
  });
});

describe('settlement invariants (property-based)', () => {
  const node = fc.record({
    supplierId: fc.constantFrom('s1', 's2', 's3'),
    nodeId: fc.uuid(),
    gpus: fc.integer({ min: 1, max: 8 }),
    askPerGpuHourMicros: fc.bigInt({ min: 0n, max: 10_000_000n }),
    takeBps: fc.integer({ min: 0, max: 5000 }),
  });
  it('charge = supplier shares + platform revenue, revenue ≥ 0, every settlement balances, nothing is lost', () => {
    fc.assert(
      fc.property(
        fc.array(node, { minLength: 1, maxLength: 16 }),
        fc.integer({ min: 0, max: 2 * 86_400 }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (raw, seconds, held) => {
          const nodes = raw.map(({ takeBps, ...n }) => ({
            ...n,
            gpuProduct: 'A100-SXM4-80GB',
            pricePerGpuHourMicros: (n.askPerGpuHourMicros * BigInt(10_000 + takeBps) + 9_999n) / 10_000n,
          }));
          const split = splitUsage(nodes.map((n) => ({ ...n, gpuSeconds: n.gpus * seconds })));
          const shares = split.supplierShares.reduce((sum, s) => sum + s.amountMicros, 0n);
          expect(split.chargedMicros).toBe(shares + split.platformRevenueMicros);
          expect(split.platformRevenueMicros >= 0n).toBe(true);
          const usage = usageChange(tenantPayer('t'), nodes, held, 0, seconds);
          expect(usage.chargedMicros).toBe(split.chargedMicros);
          const postings = nettedPostings([
            ...usage.postings,
            ...holdRelease(tenantPayer('t'), held - usage.fromHeldMicros),
          ]);
          expect(postings.reduce((sum, p) => sum + p.amountMicros, 0n)).toBe(0n);
          const after = balances([postings]);
          expect(after.get(Accounts.tenantHeld('t')) ?? 0n).toBe(-held);
          expect(after.get(Accounts.tenantAvailable('t')) ?? 0n).toBe(held - split.chargedMicros);
          expect(after.get(Accounts.platformRevenue) ?? 0n).toBe(split.platformRevenueMicros);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
