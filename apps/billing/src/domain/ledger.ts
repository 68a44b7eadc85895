import { Split } from './money-rules';

/**
 * The ledger's accounts. Tenants have `available` (credit they can spend) and `held` (reserved for matched
 * jobs); suppliers have `payable` (earned, not yet paid out); the platform has `revenue` and `payments-clearing`
 * (money received from the payment provider, not yet credited).
 */
export const Accounts = {
  tenantAvailable: (tenantId: string) => `tenant:${tenantId}:available`,
  tenantHeld: (tenantId: string) => `tenant:${tenantId}:held`,
  supplierPayable: (supplierId: string) => `supplier:${supplierId}:payable`,
  platformRevenue: 'platform:revenue',
  paymentsClearing: 'platform:payments-clearing',
} as const;

/** One line of a ledger transaction: positive credits the account, negative debits it (micro-units). */
export interface Posting {
  account: string;
  amountMicros: bigint;
}

/**
 * A balanced set of postings: they sum to zero, none is zero, and each account appears once (postings to the same
 * account are merged). Throws on anything else; the ledger stores only what this returns.
 */
export function balancedTransaction(postings: readonly Posting[]): Posting[] {
  const merged = new Map<string, bigint>();
  for (const { account, amountMicros } of postings) {
    merged.set(account, (merged.get(account) ?? 0n) + amountMicros);
  }
  const lines = [...merged.entries()]
    .filter(([, amount]) => amount !== 0n)
    .map(([account, amountMicros]) => ({ account, amountMicros }))
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  const total = lines.reduce((sum, line) => sum + line.amountMicros, 0n);
  if (total !== 0n) throw new Error(`unbalanced transaction: postings sum to ${total}`);
  if (lines.length === 0) throw new Error('empty transaction: every posting nets to zero');
  return lines;
}

/** A tenant's credit top-up: money arrives from the payment provider. */
export function topUp(tenantId: string, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a top-up must be positive, got ${amountMicros}`);
  return balancedTransaction([
    { account: Accounts.paymentsClearing, amountMicros: -amountMicros },
    { account: Accounts.tenantAvailable(tenantId), amountMicros },
  ]);
}

/** A hold for a matched job: credit moves from available to held. */
export function placeHold(tenantId: string, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a hold must be positive, got ${amountMicros}`);
  return balancedTransaction([
    { account: Accounts.tenantAvailable(tenantId), amountMicros: -amountMicros },
    { account: Accounts.tenantHeld(tenantId), amountMicros },
  ]);
}

/**
 * Settlement of a finished job: the whole hold leaves `held`; what was not charged goes back to `available` (a
 * charge above the hold is taken from `available`); suppliers' shares go to their payables, the rest to revenue.
 */
export function settle(tenantId: string, heldMicros: bigint, split: Split): Posting[] {
  return balancedTransaction([
    { account: Accounts.tenantHeld(tenantId), amountMicros: -heldMicros },
    { account: Accounts.tenantAvailable(tenantId), amountMicros: heldMicros - split.chargedMicros },
    ...split.supplierShares.map((share) => ({
      account: Accounts.supplierPayable(share.supplierId),
      amountMicros: share.amountMicros,
    })),
    { account: Accounts.platformRevenue, amountMicros: split.platformRevenueMicros },
  ]);
}

/** Balances after a sequence of transactions (derived, never stored as the truth). */
export function balances(transactions: ReadonlyArray<readonly Posting[]>): Map<string, bigint> {
  const result = new Map<string, bigint>();
  for (const postings of transactions) {
    for (const { account, amountMicros } of postings)
      result.set(account, (result.get(account) ?? 0n) + amountMicros);
  }
  return result;
}
