import {
  balancedTransaction as sharedBalancedTransaction,
  balancesAfter,
  nettedPostings as sharedNettedPostings,
  Posting as SharedPosting,
} from '@gridex/persistence';

/**
 * The ledger's accounts. Tenants have `available` (credit they can spend) and `held` (reserved for matched
 * jobs); suppliers have `payable` (earned, not yet claimed) and `payouts-in-flight` (claimed, handed to the
 * payout provider, not yet confirmed); the platform has `revenue`, `payments-clearing` (money received from the
 * payment provider) and `payouts-clearing` (money the payout provider sent to suppliers).
 */
export const Accounts = {
  tenantAvailable: (tenantId: string) => `tenant:${tenantId}:available`,
  tenantHeld: (tenantId: string) => `tenant:${tenantId}:held`,
  supplierPayable: (supplierId: string) => `supplier:${supplierId}:payable`,
  supplierPayoutsInFlight: (supplierId: string) => `supplier:${supplierId}:payouts-in-flight`,
  platformRevenue: 'platform:revenue',
  paymentsClearing: 'platform:payments-clearing',
  payoutsClearing: 'platform:payouts-clearing',
} as const;

/** One line of a ledger transaction: positive credits the account, negative debits it (micro-units). */
export interface Posting {
  account: string;
  amountMicros: bigint;
}

const toShared = (postings: readonly Posting[]) =>
  postings.map((p) => ({ account: p.account, amount: p.amountMicros }));
const fromShared = (postings: readonly SharedPosting[]): Posting[] =>
  postings.map((p) => ({ account: p.account, amountMicros: p.amount }));

/**
 * Postings merged per account (one line per account, zero lines dropped, sorted by account so concurrent
 * transactions lock balance rows in one order). Throws unless they sum to zero. May be empty: a change whose
 * lines cancel out moves no money.
 */
export function nettedPostings(postings: readonly Posting[]): Posting[] {
  return fromShared(sharedNettedPostings(toShared(postings)));
}

/** A balanced, non-empty set of postings (see {@link nettedPostings}); the ledger stores only these. */
export function balancedTransaction(postings: readonly Posting[]): Posting[] {
  return fromShared(sharedBalancedTransaction(toShared(postings)));
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

/** A supplier's claim handed to the payout provider: payable → payouts in flight. */
export function payoutInFlight(supplierId: string, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a payout must be positive, got ${amountMicros}`);
  return balancedTransaction([
    { account: Accounts.supplierPayable(supplierId), amountMicros: -amountMicros },
    { account: Accounts.supplierPayoutsInFlight(supplierId), amountMicros },
  ]);
}

/** The provider paid: in flight → payouts clearing (the money has left). */
export function payoutSettled(supplierId: string, amountMicros: bigint): Posting[] {
  return balancedTransaction([
    { account: Accounts.supplierPayoutsInFlight(supplierId), amountMicros: -amountMicros },
    { account: Accounts.payoutsClearing, amountMicros },
  ]);
}

/** The provider refused: in flight → payable again (the supplier may claim it anew). */
export function payoutReversed(supplierId: string, amountMicros: bigint): Posting[] {
  return balancedTransaction([
    { account: Accounts.supplierPayoutsInFlight(supplierId), amountMicros: -amountMicros },
    { account: Accounts.supplierPayable(supplierId), amountMicros },
  ]);
}

/** Balances after a sequence of transactions (derived, never stored as the truth). */
export function balances(transactions: ReadonlyArray<readonly Posting[]>): Map<string, bigint> {
  return balancesAfter(transactions.map(toShared));
}
