import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { deterministicUuid, IdNamespaces } from '@gridex/contracts';
import { DoubleEntryLedger, DoubleEntryShape } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { Posting } from '../domain/ledger';

/** Billing's ledger tables: `ledger_transactions`, `ledger_postings`, `ledger_balances`, in micro-units. */
const BILLING_LEDGER_SHAPE: DoubleEntryShape = {
  prefix: 'ledger',
  unit: 'micros',
  denomination: { column: 'currency', check: `currency ~ '^[A-Z]{3}$'` },
};

/** What a ledger transaction is for; with its reference, it names the transaction (one per kind and reference). */
export type LedgerKind =
  | 'top-up'
  | 'hold'
  | 'usage'
  | 'settlement'
  | 'payout'
  | 'payout-settlement'
  | 'payout-reversal'
  | 'compute-credit-purchase'
  | 'compute-credit-transfer'
  | 'compute-credit-expiry'
  | 'compute-credit-withdrawal'
  | 'compute-credit-redemption';

export interface LedgerEntry {
  kind: LedgerKind;
  reference: string;
  occurredAt: Date;
  postings: readonly Posting[];
}

/**
 * Writes the double-entry ledger. A transaction's id is derived from its kind and reference, and inserting one
 * that exists is a no-op, so a repeated posting (a redelivered event, a retried request) never doubles money.
 * The database checks the rest (balanced, non-zero, append-only) and keeps `ledger_balances` in step.
 */
@Injectable()
export class LedgerStore {
  private readonly ledger: DoubleEntryLedger<LedgerKind>;
  private readonly transactions: string;
  private readonly postings: string;
  private readonly balances: string;

  constructor(@Inject(SERVICE_CONFIG) config: BillingConfig) {
    this.ledger = new DoubleEntryLedger<LedgerKind>(
      config.DATABASE_SCHEMA,
      BILLING_LEDGER_SHAPE,
      { column: 'currency', value: config.BILLING_CURRENCY },
      (kind, reference) => deterministicUuid(IdNamespaces.ledgerTransaction, kind, reference),
    );
    ({
      transactions: this.transactions,
      postings: this.postings,
      balances: this.balances,
    } = this.ledger.tables);
  }

  /** The id the transaction of this kind and reference has (or will have). */
  transactionId(kind: LedgerKind, reference: string): string {
    return this.ledger.transactionId(kind, reference);
  }

  /**
   * Posts a balanced transaction (from `balancedTransaction`). Returns its id, or undefined when it was posted
   * before. Must run in the caller's transaction, which holds the tenant's lock.
   */
  async post(
    tx: EntityManager,
    kind: LedgerKind,
    reference: string,
    occurredAt: Date,
    postings: readonly Posting[],
  ): Promise<string | undefined> {
    const [id] = await this.postMany(tx, [{ kind, reference, occurredAt, postings }]);
    return id;
  }

  /** {@link post}, answering the transaction's id whether it was posted now or before (for the event about it). */
  async record(
    tx: EntityManager,
    kind: LedgerKind,
    reference: string,
    occurredAt: Date,
    postings: readonly Posting[],
  ): Promise<string> {
    return (
      (await this.post(tx, kind, reference, occurredAt, postings)) ?? this.transactionId(kind, reference)
    );
  }

  /**
   * Posts several transactions in two statements (transactions, then the postings of those that are new).
   * Returns, per entry, its id if it was posted now or undefined if it had been posted before.
   */
  async postMany(tx: EntityManager, entries: readonly LedgerEntry[]): Promise<Array<string | undefined>> {
    return this.ledger.postMany(
      tx,
      entries.map((e) => ({
        ...e,
        postings: e.postings.map((p) => ({ account: p.account, amount: p.amountMicros })),
      })),
    );
  }

  /** Current balances of these accounts (0 for an account never posted to). */
  async balancesOf(tx: EntityManager, accounts: readonly string[]): Promise<Map<string, bigint>> {
    const rows: Array<{ account: string; balance_micros: string }> = await tx.query(
      `SELECT account, balance_micros FROM ${this.balances} WHERE account = ANY($1::text[])`,
      [accounts],
    );
    const result = new Map(accounts.map((account) => [account, 0n]));
    for (const row of rows) result.set(row.account, BigInt(row.balance_micros));
    return result;
  }

  /**
   * Ledger transactions recorded in `[from, to)`, oldest first, after the key (recorded at, transaction id),
   * each with its postings (for finance's export). Runs outside any tenant's lock: the ledger is append-only.
   */
  async exportPage(
    db: DataSource,
    window: { from?: string; to?: string },
    after: [recordedAt: string, transactionId: string] | undefined,
    limit: number,
  ): Promise<ExportedTransaction[]> {
    const transactions: Array<Omit<ExportedTransaction, 'postings'>> = await db.query(
      `SELECT transaction_id, kind, reference, currency, occurred_at, recorded_at FROM ${this.transactions}
       WHERE ($1::timestamptz IS NULL OR recorded_at >= $1) AND ($2::timestamptz IS NULL OR recorded_at < $2)
         AND ($3::timestamptz IS NULL OR (recorded_at, transaction_id) > ($3::timestamptz, $4::uuid))
       ORDER BY recorded_at, transaction_id LIMIT $5`,
      [window.from ?? null, window.to ?? null, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
    if (transactions.length === 0) return [];
    const postings: Array<{ transaction_id: string; account: string; amount_micros: string }> =
      await db.query(
        `SELECT transaction_id, account, amount_micros::text FROM ${this.postings}
       WHERE transaction_id = ANY($1::uuid[]) ORDER BY transaction_id, account`,
        [transactions.map((t) => t.transaction_id)],
      );
    const byTransaction = new Map<string, Array<{ account: string; amountMicros: string }>>();
    for (const posting of postings) {
      const list = byTransaction.get(posting.transaction_id) ?? [];
      list.push({ account: posting.account, amountMicros: posting.amount_micros });
      byTransaction.set(posting.transaction_id, list);
    }
    return transactions.map((t) => ({ ...t, postings: byTransaction.get(t.transaction_id) ?? [] }));
  }

  /** Every account's balance, by account. */
  async allBalances(db: DataSource): Promise<Array<{ account: string; balanceMicros: bigint }>> {
    const rows: Array<{ account: string; balance_micros: string }> = await db.query(
      `SELECT account, balance_micros::text FROM ${this.balances} ORDER BY account`,
    );
    return rows.map((row) => ({ account: row.account, balanceMicros: BigInt(row.balance_micros) }));
  }
}

/** A ledger transaction with its postings, as exported to finance. */
export interface ExportedTransaction {
  transaction_id: string;
  kind: string;
  reference: string;
  currency: string;
  occurred_at: Date;
  recorded_at: Date;
  postings: Array<{ account: string; amountMicros: string }>;
}
