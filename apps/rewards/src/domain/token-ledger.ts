import { balancedTransaction, Posting, transfer } from '@gridex/persistence';
import { RewardsError } from './staking';

/**
 * The token ledger's accounts and the transactions each token movement posts, pure. Amounts are integer base
 * units. A supplier holds `available` (free to stake or claim), `unbonding` (unstaked, waiting out the period) and
 * `pending-payout` (claimed, not yet paid out); each node's stake is its own `bonded` account. Platform accounts
 * are the other side of tokens entering and leaving: `emissions` (debited by every epoch's distribution),
 * `burned` (credited by slashing), `deposits` (debited by tokens arriving from the chain) and `withdrawn`
 * (credited by payouts). The database refuses a negative balance on any non-platform account.
 */
export const TokenAccounts = {
  available: (supplierId: string) => `supplier:${supplierId}:available`,
  unbonding: (supplierId: string) => `supplier:${supplierId}:unbonding`,
  pendingPayout: (supplierId: string) => `supplier:${supplierId}:pending-payout`,
  bonded: (nodeId: string) => `node:${nodeId}:bonded`,
  emissions: 'platform:emissions',
  burned: 'platform:burned',
  deposits: 'platform:deposits',
  withdrawn: 'platform:withdrawn',
  /** Balances carried over when the ledger replaced per-row token counters. */
  opening: 'platform:opening',
} as const;

export const PLATFORM_ACCOUNT_PREFIX = 'platform:';

/** {@link TokenAccounts.bonded} in SQL, for the node id in `column` (to join stakes to their balances). */
export const bondedAccountSql = (column: string) => `'node:' || ${column} || ':bonded'`;

/** What a token transaction is for; with its reference it names the transaction (one per kind and reference). */
export type TokenKind =
  | 'opening'
  | 'emission'
  | 'stake'
  | 'unstake'
  | 'withdrawal'
  | 'slash'
  | 'claim'
  | 'payout'
  | 'payout-reversal'
  | 'deposit';

/** One node's share of an epoch: to its supplier's `available`, or restaked into the node when compounding. */
export interface EmissionShare {
  supplierId: string;
  nodeId: string;
  units: bigint;
  compounded: boolean;
}

/**
 * An epoch's distribution as one transaction: `emissions` pays every share, auto-compounding nodes' shares land
 * in their `bonded` account (restaked in the same transaction as the emission), the rest in their supplier's
 * `available`. Empty when nothing is distributed.
 */
export function emissionPostings(shares: readonly EmissionShare[]): Posting[] {
  let total = 0n;
  const credits = new Map<string, bigint>();
  for (const share of shares) {
    if (share.units <= 0n) continue;
    total += share.units;
    const account = share.compounded
      ? TokenAccounts.bonded(share.nodeId)
      : TokenAccounts.available(share.supplierId);
    credits.set(account, (credits.get(account) ?? 0n) + share.units);
  }
  if (total === 0n) return [];
  return balancedTransaction([
    { account: TokenAccounts.emissions, amount: -total },
    ...[...credits.entries()].map(([account, amount]) => ({ account, amount })),
  ]);
}

/** Refuses to move more than an account holds (the database refuses it too; this says which rule). */
export function requireFunds(what: string, units: bigint, balance: bigint): void {
  if (units <= 0n) throw new RewardsError('REWARDS.INVALID_AMOUNT', `${what} must be positive, got ${units}`);
  if (units > balance) {
    throw new RewardsError(
      'REWARDS.INSUFFICIENT_TOKENS',
      `cannot ${what} ${units}: the supplier's available balance is ${balance}`,
    );
  }
}

export const stakePostings = (supplierId: string, nodeId: string, units: bigint) =>
  transfer(TokenAccounts.available(supplierId), TokenAccounts.bonded(nodeId), units);

export const unstakePostings = (supplierId: string, nodeId: string, units: bigint) =>
  transfer(TokenAccounts.bonded(nodeId), TokenAccounts.unbonding(supplierId), units);

export const withdrawalPostings = (supplierId: string, units: bigint) =>
  transfer(TokenAccounts.unbonding(supplierId), TokenAccounts.available(supplierId), units);

export const slashPostings = (nodeId: string, units: bigint) =>
  transfer(TokenAccounts.bonded(nodeId), TokenAccounts.burned, units);

export const claimPostings = (supplierId: string, units: bigint) =>
  transfer(TokenAccounts.available(supplierId), TokenAccounts.pendingPayout(supplierId), units);

export const payoutPostings = (supplierId: string, units: bigint) =>
  transfer(TokenAccounts.pendingPayout(supplierId), TokenAccounts.withdrawn, units);

export const payoutReversalPostings = (supplierId: string, units: bigint) =>
  transfer(TokenAccounts.pendingPayout(supplierId), TokenAccounts.available(supplierId), units);

export const depositPostings = (supplierId: string, units: bigint) =>
  transfer(TokenAccounts.deposits, TokenAccounts.available(supplierId), units);

/** The supply, from the platform accounts' balances and the holders' (every other account's) balances. */
export interface TokenSupply {
  emittedUnits: bigint;
  burnedUnits: bigint;
  depositedUnits: bigint;
  withdrawnUnits: bigint;
  openingUnits: bigint;
  /** Σ of every supplier and node account. */
  heldUnits: bigint;
  /** held = opening + emitted − burned + deposited − withdrawn, and no holder account is negative. */
  consistent: boolean;
}

export function tokenSupply(balances: ReadonlyMap<string, bigint>): TokenSupply {
  const of = (account: string) => balances.get(account) ?? 0n;
  let held = 0n;
  let negative = false;
  for (const [account, balance] of balances) {
    if (account.startsWith(PLATFORM_ACCOUNT_PREFIX)) continue;
    held += balance;
    if (balance < 0n) negative = true;
  }
  const supply = {
    emittedUnits: -of(TokenAccounts.emissions),
    burnedUnits: of(TokenAccounts.burned),
    depositedUnits: -of(TokenAccounts.deposits),
    withdrawnUnits: of(TokenAccounts.withdrawn),
    openingUnits: -of(TokenAccounts.opening),
    heldUnits: held,
  };
  const expected =
    supply.openingUnits +
    supply.emittedUnits -
    supply.burnedUnits +
    supply.depositedUnits -
    supply.withdrawnUnits;
  return { ...supply, consistent: !negative && expected === held };
}
