/**
 * Double-entry arithmetic, pure: a transaction is a set of postings that sum to zero. Amounts are integers in the
 * ledger's unit (micro-units of a currency, base units of a token); positive credits an account, negative debits
 * it.
 */
export interface Posting {
  account: string;
  amount: bigint;
}

const byAccount = (a: Posting, b: Posting) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0);

/**
 * Postings merged per account (one line per account, zero lines dropped, sorted by account so concurrent
 * transactions lock balance rows in one order). Throws unless they sum to zero. May be empty: a change whose
 * lines cancel out moves nothing.
 */
export function nettedPostings(postings: readonly Posting[]): Posting[] {
  const merged = new Map<string, bigint>();
  for (const { account, amount } of postings) merged.set(account, (merged.get(account) ?? 0n) + amount);
  const lines = [...merged.entries()]
    .filter(([, amount]) => amount !== 0n)
    .map(([account, amount]) => ({ account, amount }))
    .sort(byAccount);
  const total = lines.reduce((sum, line) => sum + line.amount, 0n);
  if (total !== 0n) throw new Error(`unbalanced transaction: postings sum to ${total}`);
  return lines;
}

/** A balanced, non-empty set of postings (see {@link nettedPostings}); a ledger stores only these. */
export function balancedTransaction(postings: readonly Posting[]): Posting[] {
  const lines = nettedPostings(postings);
  if (lines.length === 0) throw new Error('empty transaction: every posting nets to zero');
  return lines;
}

/** `amount` moved from one account to another, as a balanced transaction. */
export function transfer(from: string, to: string, amount: bigint): Posting[] {
  if (amount <= 0n) throw new RangeError(`a transfer must be positive, got ${amount}`);
  return balancedTransaction([
    { account: from, amount: -amount },
    { account: to, amount },
  ]);
}

/** Balances after a sequence of transactions (derived, never stored as the truth). */
export function balancesAfter(transactions: ReadonlyArray<readonly Posting[]>): Map<string, bigint> {
  const result = new Map<string, bigint>();
  for (const postings of transactions) {
    for (const { account, amount } of postings) result.set(account, (result.get(account) ?? 0n) + amount);
  }
  return result;
}
