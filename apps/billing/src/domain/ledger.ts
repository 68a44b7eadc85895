import {
  balancedTransaction as sharedBalancedTransaction,
  balancesAfter,
  nettedPostings as sharedNettedPostings,
  Posting as SharedPosting,
} from '@gridex/persistence';

/**
 * The ledger's accounts. Tenants have `available` (credit they can spend) and `held` (reserved for matched
 * jobs); each holder of a compute credit has the same pair for its part of the credit, in money at the credit's
 * locked price; suppliers have `payable` (earned, not yet claimed) and `payouts-in-flight` (claimed, handed to
 * the payout provider, not yet confirmed); the platform has `revenue`, `payments-clearing` (money received from
 * the payment provider), `payouts-clearing` (money the payout provider sent to suppliers) and `credit-breakage`
 * (compute credit that expired unused).
 */
export const Accounts = {
  tenantAvailable: (tenantId: string) => `tenant:${tenantId}:available`,
  tenantHeld: (tenantId: string) => `tenant:${tenantId}:held`,
  creditAvailable: (creditId: string, tenantId: string) => `credit:${creditId}:holder:${tenantId}:available`,
  creditHeld: (creditId: string, tenantId: string) => `credit:${creditId}:holder:${tenantId}:held`,
  /** GPU-seconds of a credit withdrawn to wallets as tokens, valued at its locked price, until redeemed. */
  creditOnChain: (creditId: string) => `credit:${creditId}:on-chain`,
  creditBreakage: 'platform:credit-breakage',
  supplierPayable: (supplierId: string) => `supplier:${supplierId}:payable`,
  supplierPayoutsInFlight: (supplierId: string) => `supplier:${supplierId}:payouts-in-flight`,
  platformRevenue: 'platform:revenue',
  paymentsClearing: 'platform:payments-clearing',
  payoutsClearing: 'platform:payouts-clearing',
} as const;

/**
 * Who pays for a reservation: the pair of accounts its hold and usage move. A tenant's money, or the tenant's
 * holding of one compute credit (whose prices the reservation then runs at).
 */
export interface Payer {
  available: string;
  held: string;
}

export const tenantPayer = (tenantId: string): Payer => ({
  available: Accounts.tenantAvailable(tenantId),
  held: Accounts.tenantHeld(tenantId),
});

export const creditPayer = (creditId: string, tenantId: string): Payer => ({
  available: Accounts.creditAvailable(creditId, tenantId),
  held: Accounts.creditHeld(creditId, tenantId),
});

/** The payer of a meter: its compute credit when one pays, else its tenant's money. */
export function payerOf(meter: { tenantId: string; computeCreditId?: string }): Payer {
  return meter.computeCreditId
    ? creditPayer(meter.computeCreditId, meter.tenantId)
    : tenantPayer(meter.tenantId);
}

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

/** A hold for a matched job: the payer's funds move from available to held. */
export function placeHold(payer: Payer, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a hold must be positive, got ${amountMicros}`);
  return balancedTransaction([
    { account: payer.available, amountMicros: -amountMicros },
    { account: payer.held, amountMicros },
  ]);
}

/** A compute credit bought: the buyer's money becomes its holding of the credit. */
export function creditPurchase(tenantId: string, creditId: string, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a purchase must be positive, got ${amountMicros}`);
  return balancedTransaction([
    { account: Accounts.tenantAvailable(tenantId), amountMicros: -amountMicros },
    { account: Accounts.creditAvailable(creditId, tenantId), amountMicros },
  ]);
}

/** Part of a compute credit given to another tenant: holding to holding, no money enters or leaves. */
export function creditTransfer(creditId: string, from: string, to: string, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a transfer must be positive, got ${amountMicros}`);
  if (from === to) throw new RangeError('a transfer needs two different tenants');
  return balancedTransaction([
    { account: Accounts.creditAvailable(creditId, from), amountMicros: -amountMicros },
    { account: Accounts.creditAvailable(creditId, to), amountMicros },
  ]);
}

/**
 * What was not used of an expired credit lapses to the platform: a holder's available part, or (tenant null)
 * what was still held as tokens on the chain.
 */
export function creditExpiry(creditId: string, tenantId: string | null, amountMicros: bigint): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`an expiry must be positive, got ${amountMicros}`);
  const from =
    tenantId === null ? Accounts.creditOnChain(creditId) : Accounts.creditAvailable(creditId, tenantId);
  return balancedTransaction([
    { account: from, amountMicros: -amountMicros },
    { account: Accounts.creditBreakage, amountMicros },
  ]);
}

/** GPU-seconds of a holding leave for a wallet (withdrawal), or come back from one (redemption, failed mint). */
export function creditOnChainMove(
  creditId: string,
  tenantId: string,
  amountMicros: bigint,
  direction: 'to-chain' | 'from-chain',
): Posting[] {
  if (amountMicros <= 0n) throw new RangeError(`a move must be positive, got ${amountMicros}`);
  const sign = direction === 'to-chain' ? 1n : -1n;
  return balancedTransaction([
    { account: Accounts.creditAvailable(creditId, tenantId), amountMicros: -sign * amountMicros },
    { account: Accounts.creditOnChain(creditId), amountMicros: sign * amountMicros },
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
