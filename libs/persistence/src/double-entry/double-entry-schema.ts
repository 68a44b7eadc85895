import { QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '../service-data-source';

/** How a ledger's tables are named and what they hold; the same description serves its migration and writer. */
export interface DoubleEntryShape {
  /** Table prefix: `<prefix>_transactions`, `<prefix>_postings`, `<prefix>_balances`. */
  prefix: string;
  /** Unit suffix of the amount columns: `amount_<unit>`, `balance_<unit>`. */
  unit: string;
  /** The column naming what the amounts are of (`currency`, `asset`) and the SQL check on its value. */
  denomination: { column: string; check: string };
}

/** The table and column names of a ledger in `schema`. */
export function doubleEntryNames(schema: string, shape: DoubleEntryShape) {
  return {
    transactions: qualified(schema, `${shape.prefix}_transactions`),
    postings: qualified(schema, `${shape.prefix}_postings`),
    balances: qualified(schema, `${shape.prefix}_balances`),
    amount: `amount_${shape.unit}`,
    balance: `balance_${shape.unit}`,
  };
}

/**
 * Creates a double-entry ledger in the migrating schema. The database itself refuses what must never exist:
 * a transaction whose postings (written by one statement) do not sum to zero, a posting naming no transaction, a
 * zero posting, any UPDATE or DELETE (corrections are new transactions), and, where `nonNegative` is given, a
 * balance below zero on an account it matches (an SQL predicate over `b.account`). Balances follow the postings
 * through a statement trigger that upserts accounts in sorted order, so concurrent writers cannot deadlock.
 */
export async function createDoubleEntryLedger(
  queryRunner: QueryRunner,
  shape: DoubleEntryShape,
  options: { nonNegative?: string } = {},
): Promise<void> {
  const schema = migrationSchema(queryRunner);
  const t = doubleEntryNames(schema, shape);
  const fn = (name: string) => qualified(schema, `${shape.prefix}_${name}`);
  await queryRunner.query(`
    CREATE TABLE ${t.transactions} (
      transaction_id uuid        PRIMARY KEY,
      kind           text        NOT NULL,
      ${shape.denomination.column} text NOT NULL CHECK (${shape.denomination.check}),
      reference      text        NOT NULL,
      occurred_at    timestamptz NOT NULL,
      recorded_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (kind, reference)
    )`);
  await queryRunner.query(`
    CREATE TABLE ${t.postings} (
      transaction_id uuid   NOT NULL,
      account        text   NOT NULL,
      ${t.amount}    bigint NOT NULL CHECK (${t.amount} <> 0),
      PRIMARY KEY (transaction_id, account)
    )`);
  await queryRunner.query(`CREATE INDEX ON ${t.postings} (account)`);
  await queryRunner.query(`
    CREATE TABLE ${t.balances} (
      account    text   PRIMARY KEY,
      ${t.balance} bigint NOT NULL
    )`);
  await queryRunner.query(`
    CREATE FUNCTION ${fn('statement_checks')}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE offending record;
    BEGIN
      SELECT i.transaction_id INTO offending FROM inserted i
        WHERE NOT EXISTS (SELECT 1 FROM ${t.transactions} t WHERE t.transaction_id = i.transaction_id) LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION '${shape.prefix} postings name transaction %, which does not exist', offending.transaction_id
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      SELECT transaction_id, sum(${t.amount}) AS total INTO offending FROM inserted
        GROUP BY transaction_id HAVING sum(${t.amount}) <> 0 LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION '${shape.prefix} transaction % does not balance: postings sum to %',
          offending.transaction_id, offending.total USING ERRCODE = 'check_violation';
      END IF;
      INSERT INTO ${t.balances} (account, ${t.balance})
        SELECT account, sum(${t.amount}) FROM inserted GROUP BY account ORDER BY account
      ON CONFLICT (account) DO UPDATE SET ${t.balance} = ${t.balances}.${t.balance} + EXCLUDED.${t.balance};
      ${
        options.nonNegative
          ? `SELECT b.account, b.${t.balance} AS balance INTO offending FROM ${t.balances} b
        WHERE b.account IN (SELECT account FROM inserted) AND b.${t.balance} < 0 AND (${options.nonNegative})
        LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION '${shape.prefix} account % would go negative (%)', offending.account, offending.balance
          USING ERRCODE = 'check_violation';
      END IF;`
          : ''
      }
      RETURN NULL;
    END $$`);
  await queryRunner.query(`
    CREATE TRIGGER ${shape.prefix}_postings_checks AFTER INSERT ON ${t.postings}
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${fn('statement_checks')}()`);
  await queryRunner.query(`
    CREATE FUNCTION ${fn('append_only')}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the ${shape.prefix} ledger is append-only: % on % refused (post an adjusting transaction)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$`);
  for (const table of [t.transactions, t.postings]) {
    await queryRunner.query(`
      CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION ${fn('append_only')}()`);
  }
}
