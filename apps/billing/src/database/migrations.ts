import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';
import { chainCursorTableSql } from '@gridex/chain';

/**
 * The double-entry ledger: append-only transactions and their postings, in integer micro-units. The database
 * itself refuses what must never exist: a transaction whose postings do not sum to zero (checked when the
 * inserting transaction commits, by a deferred constraint trigger; per statement since
 * {@link LedgerChecksPerStatement1764910000000}), a zero posting, and any UPDATE or DELETE (corrections are new
 * adjusting transactions).
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
    await this.createPerPostingBalanceCheck(queryRunner);
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

  /** The original check: a deferred trigger per posting, summing its transaction at commit. */
  async createPerPostingBalanceCheck(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
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
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TABLE ${table('ledger_postings')}`);
    await queryRunner.query(`DROP TABLE ${table('ledger_transactions')}`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_transaction_balances')}()`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_is_append_only')}()`);
  }
}

/**
 * What billing keeps beside the ledger:
 * - `ledger_balances`: each account's balance, maintained by a statement trigger from the postings in the
 *   same transaction (derived, never written directly; a row lock per account serialises concurrent updates,
 *   so no update is lost);
 * - `tenant_accounts`: one row per tenant, locked by every money decision about the tenant (holds, top-ups,
 *   accruals), and its credit limit;
 * - `meters`: one per reservation, the state of {@link MeterState} (mutable: it is the working state, the ledger
 *   is the record);
 * - `top_ups`: idempotency of credit top-ups by (tenant, key);
 * - `invoices` and `invoice_lines`: issued invoices, immutable once issued.
 */
export class CreateBillingState1764335000000 implements MigrationInterface {
  name = 'CreateBillingState1764335000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const table = (name: string) => qualified(schema, name);
    await queryRunner.query(`
      CREATE TABLE ${table('ledger_balances')} (
        account        text   PRIMARY KEY,
        balance_micros bigint NOT NULL
      )`);
    // Per statement, not per row: one aggregate upsert for all postings a statement inserted (a batch of
    // thousands costs one pass), and accounts are updated in sorted order, so two concurrent writers always
    // lock balance rows in the same order and cannot deadlock on them.
    await queryRunner.query(`
      CREATE FUNCTION ${table('ledger_balance_follows_postings')}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ${table('ledger_balances')} (account, balance_micros)
          SELECT account, sum(amount_micros) FROM inserted GROUP BY account ORDER BY account
        ON CONFLICT (account) DO UPDATE
          SET balance_micros = ${table('ledger_balances')}.balance_micros + EXCLUDED.balance_micros;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER ledger_postings_update_balance AFTER INSERT ON ${table('ledger_postings')}
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
      EXECUTE FUNCTION ${table('ledger_balance_follows_postings')}()`);
    await queryRunner.query(`
      CREATE TABLE ${table('tenant_accounts')} (
        tenant_id           text        PRIMARY KEY,
        credit_limit_micros bigint      NOT NULL CHECK (credit_limit_micros >= 0),
        created_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('meters')} (
        reservation_id        uuid        PRIMARY KEY,
        job_id                text        NOT NULL,
        tenant_id             text        NOT NULL,
        correlation_id        text        NOT NULL,
        nodes                 jsonb,
        expected_seconds      integer,
        hold_micros           bigint      NOT NULL DEFAULT 0,
        held_remaining_micros bigint      NOT NULL DEFAULT 0 CHECK (held_remaining_micros >= 0),
        hold_rejected         boolean     NOT NULL DEFAULT false,
        started_at            timestamptz,
        finished_at           timestamptz,
        outcome               text,
        charged_seconds       integer     NOT NULL DEFAULT 0,
        charged_micros        bigint      NOT NULL DEFAULT 0,
        gpu_seconds           bigint      NOT NULL DEFAULT 0,
        lines                 jsonb,
        settled_at            timestamptz,
        exhausted_at          timestamptz,
        invoice_id            uuid,
        updated_at            timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE INDEX meters_running ON ${table('meters')} (tenant_id)
      WHERE settled_at IS NULL AND started_at IS NOT NULL AND finished_at IS NULL AND nodes IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX meters_to_invoice ON ${table('meters')} (tenant_id, settled_at)
      WHERE settled_at IS NOT NULL AND invoice_id IS NULL`);
    await queryRunner.query(
      `CREATE INDEX meters_by_tenant ON ${table('meters')} (tenant_id, reservation_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('top_ups')} (
        tenant_id        text        NOT NULL,
        idempotency_key  text        NOT NULL,
        top_up_id        uuid        NOT NULL UNIQUE,
        amount_micros    bigint      NOT NULL CHECK (amount_micros > 0),
        payment_method   text        NOT NULL,
        state            text        NOT NULL CHECK (state IN ('pending', 'credited', 'declined')),
        payment_reference text,
        decline_reason   text,
        available_after_micros bigint,
        ledger_transaction_id uuid,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, idempotency_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('invoices')} (
        invoice_id   uuid        PRIMARY KEY,
        tenant_id    text        NOT NULL,
        period_start timestamptz NOT NULL,
        period_end   timestamptz NOT NULL,
        currency     text        NOT NULL,
        line_count   integer     NOT NULL,
        gpu_seconds  bigint      NOT NULL,
        total_micros bigint      NOT NULL,
        issued_at    timestamptz NOT NULL,
        UNIQUE (tenant_id, period_start)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('invoice_lines')} (
        invoice_id        uuid    NOT NULL REFERENCES ${table('invoices')} (invoice_id),
        line_no           integer NOT NULL,
        job_id            text    NOT NULL,
        reservation_id    uuid    NOT NULL,
        gpu_product       text    NOT NULL,
        gpu_seconds       bigint  NOT NULL,
        unit_price_micros bigint  NOT NULL,
        amount_micros     bigint  NOT NULL,
        started_at        timestamptz,
        finished_at       timestamptz,
        PRIMARY KEY (invoice_id, line_no)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    for (const name of ['invoice_lines', 'invoices', 'top_ups', 'meters', 'tenant_accounts']) {
      await queryRunner.query(`DROP TABLE ${table(name)}`);
    }
    await queryRunner.query(`DROP TRIGGER ledger_postings_update_balance ON ${table('ledger_postings')}`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_balance_follows_postings')}()`);
    await queryRunner.query(`DROP TABLE ${table('ledger_balances')}`);
  }
}

/**
 * The ledger's checks run once per statement over the postings it inserted, instead of once per posting:
 * - **balance**: every transaction's postings are written by one statement (`LedgerStore.postMany`), so
 *   checking that each transaction's postings in the statement sum to zero keeps every stored transaction
 *   balanced, and a statement that would leave one unbalanced fails at once. It replaces a deferred trigger that
 *   ran a query per posting inside every commit, while the tenant's lock was held.
 * - **transaction exists**: one anti-join replaces the foreign key's per-row check, which also locked the
 *   transaction row (FOR KEY SHARE) against a concurrent delete that the append-only trigger already forbids.
 */
export class LedgerChecksPerStatement1764910000000 implements MigrationInterface {
  name = 'LedgerChecksPerStatement1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TRIGGER ledger_postings_balance ON ${table('ledger_postings')}`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_transaction_balances')}()`);
    await queryRunner.query(
      `ALTER TABLE ${table('ledger_postings')} DROP CONSTRAINT ledger_postings_transaction_id_fkey`,
    );
    await queryRunner.query(`
      CREATE FUNCTION ${table('ledger_statement_checks')}() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE offending record;
      BEGIN
        SELECT i.transaction_id INTO offending FROM inserted i
          WHERE NOT EXISTS (
            SELECT 1 FROM ${table('ledger_transactions')} t WHERE t.transaction_id = i.transaction_id)
          LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'ledger postings name transaction %, which does not exist', offending.transaction_id
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT transaction_id, sum(amount_micros) AS total INTO offending FROM inserted
          GROUP BY transaction_id HAVING sum(amount_micros) <> 0 LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'ledger transaction % does not balance: postings sum to %',
            offending.transaction_id, offending.total
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER ledger_postings_checks AFTER INSERT ON ${table('ledger_postings')}
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
      EXECUTE FUNCTION ${table('ledger_statement_checks')}()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TRIGGER ledger_postings_checks ON ${table('ledger_postings')}`);
    await queryRunner.query(`DROP FUNCTION ${table('ledger_statement_checks')}()`);
    await queryRunner.query(
      `ALTER TABLE ${table('ledger_postings')} ADD CONSTRAINT ledger_postings_transaction_id_fkey
       FOREIGN KEY (transaction_id) REFERENCES ${table('ledger_transactions')} (transaction_id)`,
    );
    await new CreateLedger1764332000000().createPerPostingBalanceCheck(queryRunner);
  }
}

/**
 * Supplier payouts: one row per claimed payout (its id is rewards' payout id, so a redelivered request adds
 * nothing), from `in-flight` (payable moved to payouts in flight) to `paid` or `failed` (reversed).
 */
export class SupplierPayouts1765100000000 implements MigrationInterface {
  name = 'SupplierPayouts1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('supplier_payouts')} (
        payout_id          uuid        PRIMARY KEY,
        supplier_id        text        NOT NULL,
        amount_micros      bigint      NOT NULL CHECK (amount_micros > 0),
        state              text        NOT NULL CHECK (state IN ('in-flight', 'paid', 'failed')),
        provider_reference text,
        failure_reason     text,
        correlation_id     text        NOT NULL,
        requested_at       timestamptz NOT NULL,
        settled_at         timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX supplier_payouts_in_flight ON ${table('supplier_payouts')} (requested_at)
       WHERE state = 'in-flight'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'supplier_payouts')}`);
  }
}

/**
 * Compute credits: suppliers' capacity commitments, the credits sold from them, who holds each credit, and
 * transfers between holders. The money of a credit is in the ledger (accounts `credit:<id>:holder:<tenant>:…`);
 * these tables hold what the ledger cannot (product, supplier, locked prices, expiry, idempotency).
 */
export class ComputeCredits1765300000000 implements MigrationInterface {
  name = 'ComputeCredits1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('capacity_commitments')} (
        commitment_id           uuid        PRIMARY KEY,
        supplier_id             text        NOT NULL,
        gpu_product             text        NOT NULL,
        gpu_seconds             bigint      NOT NULL CHECK (gpu_seconds > 0),
        gpu_seconds_sold        bigint      NOT NULL DEFAULT 0,
        ask_per_gpu_hour_micros bigint      NOT NULL CHECK (ask_per_gpu_hour_micros > 0),
        available_until         timestamptz NOT NULL,
        request_hash            text        NOT NULL,
        created_at              timestamptz NOT NULL,
        CHECK (gpu_seconds_sold BETWEEN 0 AND gpu_seconds)
      )`);
    await queryRunner.query(
      `CREATE INDEX capacity_commitments_by_supplier ON ${table('capacity_commitments')} (supplier_id, created_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX capacity_commitments_open ON ${table('capacity_commitments')}
         (gpu_product, ask_per_gpu_hour_micros) WHERE gpu_seconds_sold < gpu_seconds`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('compute_credits')} (
        credit_id                 uuid        PRIMARY KEY,
        commitment_id             uuid        NOT NULL REFERENCES ${table('capacity_commitments')},
        supplier_id               text        NOT NULL,
        gpu_product               text        NOT NULL,
        gpu_seconds               bigint      NOT NULL CHECK (gpu_seconds > 0),
        price_per_gpu_hour_micros bigint      NOT NULL CHECK (price_per_gpu_hour_micros > 0
                                                            AND price_per_gpu_hour_micros % 3600 = 0),
        ask_per_gpu_hour_micros   bigint      NOT NULL CHECK (ask_per_gpu_hour_micros > 0
                                                            AND ask_per_gpu_hour_micros <= price_per_gpu_hour_micros),
        purchased_by              text        NOT NULL,
        request_hash              text        NOT NULL,
        expires_at                timestamptz NOT NULL,
        purchased_at              timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX compute_credits_by_commitment ON ${table('compute_credits')} (commitment_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('compute_credit_holdings')} (
        credit_id   uuid        NOT NULL REFERENCES ${table('compute_credits')},
        tenant_id   text        NOT NULL,
        expiries    integer     NOT NULL DEFAULT 0,
        acquired_at timestamptz NOT NULL,
        PRIMARY KEY (credit_id, tenant_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX compute_credit_holdings_by_tenant ON ${table('compute_credit_holdings')} (tenant_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('compute_credit_transfers')} (
        transfer_id    uuid        PRIMARY KEY,
        credit_id      uuid        NOT NULL REFERENCES ${table('compute_credits')},
        from_tenant_id text        NOT NULL,
        to_tenant_id   text        NOT NULL CHECK (to_tenant_id <> from_tenant_id),
        gpu_seconds    bigint      NOT NULL CHECK (gpu_seconds > 0),
        request_hash   text        NOT NULL,
        transferred_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`ALTER TABLE ${table('meters')} ADD COLUMN compute_credit_id uuid`);
    await queryRunner.query(
      `CREATE INDEX meters_by_compute_credit ON ${table('meters')} (compute_credit_id)
         WHERE compute_credit_id IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE ${table('invoice_lines')} ADD COLUMN compute_credit_id uuid`);
    await queryRunner.query(
      `ALTER TABLE ${table('invoices')} ADD COLUMN credits_applied_micros bigint NOT NULL DEFAULT 0`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`ALTER TABLE ${table('invoices')} DROP COLUMN credits_applied_micros`);
    await queryRunner.query(`ALTER TABLE ${table('invoice_lines')} DROP COLUMN compute_credit_id`);
    await queryRunner.query(`ALTER TABLE ${table('meters')} DROP COLUMN compute_credit_id`);
    for (const name of [
      'compute_credit_transfers',
      'compute_credit_holdings',
      'compute_credits',
      'capacity_commitments',
    ])
      await queryRunner.query(`DROP TABLE ${table(name)}`);
  }
}

/**
 * Compute credits on the chain: withdrawals to wallets (each minted once as ERC-1155 tokens), the redemptions
 * read back from the chain (each credited once, by transaction and log index), and the watcher's cursor.
 */
export class ComputeCreditsOnChain1765400000000 implements MigrationInterface {
  name = 'ComputeCreditsOnChain1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('compute_credit_withdrawals')} (
        withdrawal_id    uuid        PRIMARY KEY,
        credit_id        uuid        NOT NULL REFERENCES ${table('compute_credits')},
        tenant_id        text        NOT NULL,
        address          text        NOT NULL,
        gpu_seconds      bigint      NOT NULL CHECK (gpu_seconds > 0),
        state            text        NOT NULL CHECK (state IN ('pending', 'submitted', 'minted', 'failed')),
        transaction_hash text,
        failure_reason   text,
        request_hash     text        NOT NULL,
        requested_at     timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX compute_credit_withdrawals_open ON ${table('compute_credit_withdrawals')} (requested_at)
         WHERE state IN ('pending', 'submitted')`,
    );
    await queryRunner.query(
      `CREATE INDEX compute_credit_withdrawals_by_holder ON ${table('compute_credit_withdrawals')}
         (credit_id, tenant_id, requested_at)`,
    );
    await queryRunner.query(chainCursorTableSql(table('credit_chain_cursor')));
    await queryRunner.query(`
      CREATE TABLE ${table('compute_credit_redemptions')} (
        transaction_hash text        NOT NULL,
        log_index        integer     NOT NULL,
        block_number     bigint      NOT NULL,
        credit_id        text        NOT NULL,
        tenant_id        text        NOT NULL,
        from_address     text        NOT NULL,
        gpu_seconds      numeric     NOT NULL,
        status           text        NOT NULL CHECK (status IN ('credited', 'ignored')),
        reason           text,
        recorded_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transaction_hash, log_index)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    for (const name of ['compute_credit_redemptions', 'credit_chain_cursor', 'compute_credit_withdrawals'])
      await queryRunner.query(`DROP TABLE ${table(name)}`);
  }
}

/** What other compute networks charged for the jobs they ran, one row per placement, for reconciliation. */
export class NetworkCharges1765500000000 implements MigrationInterface {
  name = 'NetworkCharges1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'network_charges');
    await queryRunner.query(`
      CREATE TABLE ${table} (
        reservation_id  uuid        PRIMARY KEY,
        network_id      text        NOT NULL,
        job_id          text        NOT NULL,
        external_job_id text        NOT NULL,
        gpu_seconds     bigint      NOT NULL CHECK (gpu_seconds >= 0),
        currency        text        NOT NULL,
        charged_micros  bigint      NOT NULL CHECK (charged_micros >= 0),
        reported_at     timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX network_charges_by_network ON ${table} (network_id, reported_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'network_charges')}`);
  }
}

/** Billing's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const billingMigrations: Array<new () => MigrationInterface> = [
  CreateLedger1764332000000,
  CreateBillingState1764335000000,
  LedgerChecksPerStatement1764910000000,
  SupplierPayouts1765100000000,
  ComputeCredits1765300000000,
  ComputeCreditsOnChain1765400000000,
  NetworkCharges1765500000000,
];
