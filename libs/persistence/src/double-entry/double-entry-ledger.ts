import { EntityManager } from 'typeorm';
import { Posting } from './postings';
import { DoubleEntryShape, doubleEntryNames } from './double-entry-schema';

/** One transaction to post: what it is for, the business reference that names it, when, and its postings. */
export interface LedgerEntry<Kind extends string = string> {
  kind: Kind;
  reference: string;
  occurredAt: Date;
  postings: readonly Posting[];
}

/** A stored transaction with its postings, oldest first when listed. */
export interface StoredTransaction {
  transactionId: string;
  kind: string;
  reference: string;
  occurredAt: Date;
  recordedAt: Date;
  postings: Posting[];
}

/**
 * Writes and reads one double-entry ledger (its tables made by `createDoubleEntryLedger`). A transaction's id is
 * derived from its kind and reference, and posting one that exists is a no-op, so a repeated posting (a
 * redelivered event, a retried request) never doubles anything. Balance, non-zero, append-only and (where the
 * ledger has them) non-negative checks are the database's.
 */
export class DoubleEntryLedger<Kind extends string = string> {
  readonly tables: ReturnType<typeof doubleEntryNames>;

  constructor(
    schema: string,
    shape: DoubleEntryShape,
    private readonly denomination: { column: string; value: string },
    /** The id of the transaction of this kind and reference (deterministic). */
    readonly transactionId: (kind: Kind, reference: string) => string,
  ) {
    this.tables = doubleEntryNames(schema, shape);
  }

  /** Posts one balanced transaction; its id if posted now, undefined if it had been posted before. */
  async post(tx: EntityManager, entry: LedgerEntry<Kind>): Promise<string | undefined> {
    const [id] = await this.postMany(tx, [entry]);
    return id;
  }

  /**
   * Posts several transactions in two statements (transactions, then the postings of those that are new), so
   * the database checks each transaction's balance within one statement. Returns, per entry, its id if posted
   * now or undefined if it had been posted before.
   */
  async postMany(
    tx: EntityManager,
    entries: ReadonlyArray<LedgerEntry<Kind>>,
  ): Promise<Array<string | undefined>> {
    if (entries.length === 0) return [];
    const { transactions, postings, amount } = this.tables;
    const ids = entries.map((e) => this.transactionId(e.kind, e.reference));
    const inserted: Array<{ transaction_id: string }> = await tx.query(
      `INSERT INTO ${transactions} (transaction_id, kind, ${this.denomination.column}, reference, occurred_at)
       SELECT id, kind, $5, reference, occurred_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS t(id, kind, reference, occurred_at)
       ON CONFLICT DO NOTHING RETURNING transaction_id`,
      [
        ids,
        entries.map((e) => e.kind),
        entries.map((e) => e.reference),
        entries.map((e) => e.occurredAt),
        this.denomination.value,
      ],
    );
    const fresh = new Set(inserted.map((row) => row.transaction_id));
    const transactionIds: string[] = [];
    const accounts: string[] = [];
    const amounts: string[] = [];
    entries.forEach((entry, index) => {
      if (!fresh.has(ids[index])) return;
      for (const posting of entry.postings) {
        transactionIds.push(ids[index]);
        accounts.push(posting.account);
        amounts.push(posting.amount.toString());
      }
    });
    if (transactionIds.length > 0) {
      await tx.query(
        `INSERT INTO ${postings} (transaction_id, account, ${amount})
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])`,
        [transactionIds, accounts, amounts],
      );
    }
    return ids.map((id) => (fresh.has(id) ? id : undefined));
  }

  /** Current balances of these accounts (0 for an account never posted to). */
  async balancesOf(
    db: Pick<EntityManager, 'query'>,
    accounts: readonly string[],
  ): Promise<Map<string, bigint>> {
    const { balances, balance } = this.tables;
    const rows: Array<{ account: string; balance: string }> = await db.query(
      `SELECT account, ${balance}::text AS balance FROM ${balances} WHERE account = ANY($1::text[])`,
      [accounts],
    );
    const result = new Map(accounts.map((account) => [account, 0n]));
    for (const row of rows) result.set(row.account, BigInt(row.balance));
    return result;
  }

  /** Balances of every account whose name starts with `prefix` (all accounts for ''), by account. */
  async balancesLike(db: Pick<EntityManager, 'query'>, prefix: string): Promise<Map<string, bigint>> {
    const { balances, balance } = this.tables;
    const rows: Array<{ account: string; balance: string }> = await db.query(
      `SELECT account, ${balance}::text AS balance FROM ${balances}
       WHERE starts_with(account, $1) ORDER BY account`,
      [prefix],
    );
    return new Map(rows.map((row) => [row.account, BigInt(row.balance)]));
  }

  /** The transactions that touched `account`, newest first, with all their postings. */
  async historyOf(
    db: Pick<EntityManager, 'query'>,
    account: string,
    limit: number,
  ): Promise<StoredTransaction[]> {
    const { transactions, postings, amount } = this.tables;
    const rows: Array<{
      transaction_id: string;
      kind: string;
      reference: string;
      occurred_at: Date;
      recorded_at: Date;
      postings: Array<{ account: string; amount: string }>;
    }> = await db.query(
      `SELECT t.transaction_id, t.kind, t.reference, t.occurred_at, t.recorded_at,
         (SELECT json_agg(json_build_object('account', p.account, 'amount', p.${amount}::text) ORDER BY p.account)
          FROM ${postings} p WHERE p.transaction_id = t.transaction_id) AS postings
       FROM ${transactions} t
       WHERE t.transaction_id IN (SELECT transaction_id FROM ${postings} WHERE account = $1)
       ORDER BY t.recorded_at DESC, t.transaction_id DESC LIMIT $2`,
      [account, limit],
    );
    return rows.map((row) => ({
      transactionId: row.transaction_id,
      kind: row.kind,
      reference: row.reference,
      occurredAt: new Date(row.occurred_at),
      recordedAt: new Date(row.recorded_at),
      postings: row.postings.map((p) => ({ account: p.account, amount: BigInt(p.amount) })),
    }));
  }
}
