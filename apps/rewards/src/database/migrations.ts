import { MigrationInterface, QueryRunner } from 'typeorm';
import { createDoubleEntryLedger, migrationSchema, qualified } from '@gridex/persistence';
import { PLATFORM_ACCOUNT_PREFIX, TokenAccounts } from '../domain/token-ledger';
import { TOKEN_LEDGER_SHAPE, tokenTransactionId } from '../tokens/token-ledger';
import { chainCursorTableSql } from '@gridex/chain';

/**
 * Rewards' state. Balances that must never go negative say so to PostgreSQL (CHECK constraints), whatever code
 * writes them. Epoch inputs are stored beside their outputs, so any epoch can be recomputed and checked.
 */
export class CreateRewards1764337000000 implements MigrationInterface {
  name = 'CreateRewards1764337000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('nodes')} (
        node_id      uuid        PRIMARY KEY,
        supplier_id  text        NOT NULL,
        gpu_product  text        NOT NULL,
        gpus         integer     NOT NULL,
        verified     boolean     NOT NULL,
        online       boolean     NOT NULL,
        online_since timestamptz,
        accrued_ms   bigint      NOT NULL DEFAULT 0,
        revision     bigint      NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX nodes_by_supplier ON ${table('nodes')} (supplier_id)`);
    await queryRunner.query(`
      CREATE TABLE ${table('stakes')} (
        node_id         uuid        PRIMARY KEY,
        supplier_id     text        NOT NULL,
        staked_units    bigint      NOT NULL CHECK (staked_units >= 0),
        auto_compound   boolean     NOT NULL DEFAULT false,
        last_unstake_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('unbondings')} (
        unbonding_id uuid        PRIMARY KEY,
        node_id      uuid        NOT NULL,
        supplier_id  text        NOT NULL,
        units        bigint      NOT NULL CHECK (units > 0),
        release_at   timestamptz NOT NULL,
        withdrawn_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('supplier_accounts')} (
        supplier_id        text   PRIMARY KEY,
        earned_micros      bigint NOT NULL DEFAULT 0,
        paid_micros        bigint NOT NULL DEFAULT 0,
        tokens_earned      bigint NOT NULL DEFAULT 0,
        tokens_paid        bigint NOT NULL DEFAULT 0,
        CHECK (paid_micros >= 0 AND paid_micros <= earned_micros),
        CHECK (tokens_paid >= 0 AND tokens_paid <= tokens_earned)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('earnings')} (
        settlement_id  uuid        NOT NULL,
        node_id        uuid        NOT NULL,
        supplier_id    text        NOT NULL,
        job_id         text        NOT NULL,
        reservation_id uuid        NOT NULL,
        gpu_seconds    bigint      NOT NULL,
        amount_micros  bigint      NOT NULL CHECK (amount_micros >= 0),
        settled_at     timestamptz NOT NULL,
        PRIMARY KEY (settlement_id, node_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX earnings_by_supplier ON ${table('earnings')} (supplier_id, settled_at DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('epochs')} (
        epoch_number      integer     PRIMARY KEY,
        starts_at         timestamptz NOT NULL,
        ends_at           timestamptz NOT NULL,
        budget_units      bigint      NOT NULL,
        distributed_units bigint      NOT NULL,
        eligible_nodes    integer     NOT NULL,
        closed_at         timestamptz NOT NULL,
        CHECK (distributed_units = budget_units OR (distributed_units = 0 AND eligible_nodes = 0))
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('epoch_nodes')} (
        epoch_number   integer NOT NULL,
        node_id        uuid    NOT NULL,
        supplier_id    text    NOT NULL,
        gpu_class      text    NOT NULL,
        gpus           integer NOT NULL,
        verified       boolean NOT NULL,
        online_ms      bigint  NOT NULL,
        stake_units    bigint  NOT NULL,
        multiplier_bps integer NOT NULL,
        eligible       boolean NOT NULL,
        weight         numeric NOT NULL,
        units          bigint  NOT NULL,
        compounded     boolean NOT NULL,
        PRIMARY KEY (epoch_number, node_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX epoch_nodes_by_supplier ON ${table('epoch_nodes')} (supplier_id, epoch_number)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('slashes')} (
        slash_id       uuid        PRIMARY KEY,
        node_id        uuid        NOT NULL,
        supplier_id    text        NOT NULL,
        fault          text        NOT NULL,
        faults_in_window integer   NOT NULL,
        share_bps      integer     NOT NULL,
        units          bigint      NOT NULL,
        stake_after    bigint      NOT NULL,
        evidence       jsonb       NOT NULL,
        slashed_at     timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX slashes_by_node ON ${table('slashes')} (node_id, slashed_at)`);
    await queryRunner.query(`
      CREATE TABLE ${table('payouts')} (
        supplier_id     text        NOT NULL,
        idempotency_key text        NOT NULL,
        payout_id       uuid        NOT NULL UNIQUE,
        earnings_micros bigint      NOT NULL CHECK (earnings_micros >= 0),
        token_units     bigint      NOT NULL CHECK (token_units >= 0),
        requested_at    timestamptz NOT NULL,
        PRIMARY KEY (supplier_id, idempotency_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('epoch_clock')} (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        open_epoch integer NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    for (const name of [
      'epoch_clock',
      'payouts',
      'slashes',
      'epoch_nodes',
      'epochs',
      'earnings',
      'supplier_accounts',
      'unbondings',
      'stakes',
      'nodes',
    ]) {
      await queryRunner.query(`DROP TABLE ${table(name)}`);
    }
  }
}

/**
 * Tokens move only through a double-entry ledger (`token_*` tables): stakes are the balances of the nodes'
 * `bonded` accounts and a supplier's tokens the balances of its accounts, instead of counters any statement could
 * raise. What the counters held is carried over as one `opening` transaction. Payouts gain a status per leg
 * (money, tokens), so the supplier sees each one settle or fail.
 */
export class TokenLedger1765100000000 implements MigrationInterface {
  name = 'TokenLedger1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await createDoubleEntryLedger(queryRunner, TOKEN_LEDGER_SHAPE, {
      nonNegative: `NOT starts_with(b.account, '${PLATFORM_ACCOUNT_PREFIX}')`,
    });
    const openingId = tokenTransactionId('opening', 'token-counters');
    const [{ carried }]: Array<{ carried: boolean }> = await queryRunner.query(
      `SELECT EXISTS (SELECT 1 FROM ${table('stakes')} WHERE staked_units > 0)
           OR EXISTS (SELECT 1 FROM ${table('supplier_accounts')} WHERE tokens_earned > tokens_paid) AS carried`,
    );
    if (carried) {
      await queryRunner.query(
        `INSERT INTO ${table('token_transactions')} (transaction_id, kind, asset, reference, occurred_at)
         VALUES ($1, 'opening', 'GDX', 'token-counters', now())`,
        [openingId],
      );
      await queryRunner.query(
        `WITH held AS (
           SELECT 'node:' || node_id || ':bonded' AS account, staked_units AS units
             FROM ${table('stakes')} WHERE staked_units > 0
           UNION ALL
           SELECT 'supplier:' || supplier_id || ':available', tokens_earned - tokens_paid
             FROM ${table('supplier_accounts')} WHERE tokens_earned > tokens_paid)
         INSERT INTO ${table('token_postings')} (transaction_id, account, amount_units)
         SELECT $1, account, units FROM held
         UNION ALL SELECT $1, $2, -sum(units) FROM held`,
        [openingId, TokenAccounts.opening],
      );
    }
    await queryRunner.query(`ALTER TABLE ${table('stakes')} DROP COLUMN staked_units`);
    await queryRunner.query(
      `ALTER TABLE ${table('supplier_accounts')} DROP COLUMN tokens_earned, DROP COLUMN tokens_paid`,
    );
    await queryRunner.query(`
      ALTER TABLE ${table('payouts')}
        ADD COLUMN earnings_status text NOT NULL DEFAULT 'none'
          CHECK (earnings_status IN ('none', 'requested', 'paid', 'failed')),
        ADD COLUMN earnings_reference text,
        ADD COLUMN tokens_status text NOT NULL DEFAULT 'none'
          CHECK (tokens_status IN ('none', 'requested', 'submitted', 'paid', 'failed')),
        ADD COLUMN tokens_tx_hash text,
        ADD COLUMN failure_reason text,
        ADD COLUMN updated_at timestamptz`);
    await queryRunner.query(
      `UPDATE ${table('payouts')} SET earnings_status = CASE WHEN earnings_micros > 0 THEN 'requested' ELSE 'none' END,
         tokens_status = CASE WHEN token_units > 0 THEN 'paid' ELSE 'none' END, updated_at = requested_at`,
    );
    await queryRunner.query(
      `CREATE INDEX payouts_by_supplier ON ${table('payouts')} (supplier_id, requested_at DESC)`,
    );
  }

  async down(): Promise<void> {
    throw new Error('the token ledger cannot be folded back into counters: restore from a backup instead');
  }
}

/**
 * The chain side of tokens: suppliers' wallets (where token payouts go), the vault watcher's cursor (the last
 * block read, and the genesis it belongs to) and every vault deposit read, credited or ignored with its reason.
 */
export class ChainTokens1765200000000 implements MigrationInterface {
  name = 'ChainTokens1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('supplier_wallets')} (
        supplier_id   text        PRIMARY KEY,
        address       text        NOT NULL CHECK (address ~ '^0x[0-9a-fA-F]{40}$'),
        registered_at timestamptz NOT NULL
      )`);
    await queryRunner.query(chainCursorTableSql(table('chain_cursor')));
    await queryRunner.query(`
      CREATE TABLE ${table('chain_deposits')} (
        transaction_hash text        NOT NULL,
        log_index        integer     NOT NULL,
        block_number     bigint      NOT NULL,
        supplier_id      text        NOT NULL,
        from_address     text        NOT NULL,
        units            numeric     NOT NULL,
        status           text        NOT NULL CHECK (status IN ('credited', 'ignored')),
        reason           text,
        recorded_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transaction_hash, log_index)
      )`);
    await queryRunner.query(
      `CREATE INDEX chain_deposits_by_supplier ON ${table('chain_deposits')} (supplier_id, recorded_at DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    for (const name of ['chain_deposits', 'chain_cursor', 'supplier_wallets']) {
      await queryRunner.query(`DROP TABLE ${table(name)}`);
    }
  }
}

/** Rewards's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const rewardsMigrations: Array<new () => MigrationInterface> = [
  CreateRewards1764337000000,
  TokenLedger1765100000000,
  ChainTokens1765200000000,
];
