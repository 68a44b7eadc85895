import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';

/**
 * The double-entry ledger: append-only transactions and their postings, in integer micro-units. The database
 * itself refuses what must never exist: a transaction whose postings do not sum to zero (checked when the
 * inserting transaction commits, by a deferred constraint trigger), a zero posting, and any UPDATE or DELETE
 * (corrections are new adjusting transactions).
 */
export class CreateLedger1764332000000 implements MigrationInterface {
  name = 'CreateLedger1764332000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const table = (name: string) => qualified(schema, name);
    await queryRunner.query(`
      CREATE TABLE ${table('ledger_transactions')} (
        transaction_id uuid        PRIMARY KEY,
        kind           text        NOT NULL,
        currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        reference      text        NOT NULL,
        occurred_at    timestamptz NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, reference)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('ledger_postings')} (
        transaction_id uuid    NOT NULL REFERENCES ${table('ledger_transactions')} (transaction_id),
        account        text    NOT NULL,
        amount_micros  bigint  NOT NULL CHECK (amount_micros <> 0),
        PRIMARY KEY (transaction_id, account)
      )`);
    await queryRunner.query(
      `CREATE INDEX ledger_postings_by_account ON ${table('ledger_postings')} (account)`,
    );
    await queryRunner.query(`
      CREATE FUNCTION ${table('ledger_transaction_balances')}() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total numeric;
      BEGIN
        SELECT coalesce(sum(amount_micros), 0) INTO total FROM ${table('ledger_postings')}
          WHERE transaction_id = NEW.transaction_id;
        IF total <> 0 THEN
          RAISE EXCEPTION 'ledger transaction % does not balance: postings sum to %', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER ledger_postings_balance AFTER INSERT ON ${table('ledger_postings')}
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${table('ledger_transaction_balances')}()`);
    await queryRunner.query(`
      CREATE FUNCTION ${table('ledger_is_append_only')}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % refused (post an adjusting transaction)', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const name of ['ledger_transactions', 'ledger_postings']) {
      await queryRunner.query(`
        CREATE TRIGGER ${name}_append_only BEFORE UPDATE OR DELETE ON ${table(name)}
        FOR EACH ROW EXECUTE FUNCTION ${table('ledger_is_append_only')}()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TABLE ${table('ledger_postings')}`);
    await queryRunner.query(`DROP TABLE ${table('ledger_transactions')}`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_transaction_balances')}()`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_is_append_only')}()`);
  }
}

/** Billing's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const billingMigrations: Array<new () => MigrationInterface> = [CreateLedger1764332000000];
