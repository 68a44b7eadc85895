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
 * Postings merged per account (one line per account, zero lines dropped, sorted by account so concurrent
 * transactions lock balance rows in one order). Throws unless they sum to zero. May be empty: a change whose
 * lines cancel out moves no money.
 */
export function nettedPostings(postings: readonly Posting[]): Posting[] {
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
  return lines;
}

/** A balanced, non-empty set of postings (see {@link nettedPostings}); the ledger stores only these. */
export function balancedTransaction(postings: readonly Posting[]): Posting[] {
  const lines = nettedPostings(postings);
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

/** Balances after a sequence of transactions (derived, never stored as the truth). */
export function balances(transactions: ReadonlyArray<readonly Posting[]>): Map<string, bigint> {
  const result = new Map<string, bigint>();
  for (const postings of transactions) {
    for (const { account, amountMicros } of postings)
      result.set(account, (result.get(account) ?? 0n) + amountMicros);
  }
  return result;
}
