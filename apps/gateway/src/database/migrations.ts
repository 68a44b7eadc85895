import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';
import { PLATFORM_TENANT } from '../auth/principal';

/**
 * Tenants, their API keys (only a salted scrypt hash of the secret is kept) and idempotency records (the first
 * answer to each keyed POST, replayed to retries).
 */
export class CreateTenantsAndKeys1764338000000 implements MigrationInterface {
  name = 'CreateTenantsAndKeys1764338000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('tenants')} (
        tenant_id  text        PRIMARY KEY,
        name       text        NOT NULL,
        kind       text        NOT NULL CHECK (kind IN ('client', 'supplier')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('api_keys')} (
        key_id      text        PRIMARY KEY,
        tenant_id   text        NOT NULL REFERENCES ${table('tenants')} (tenant_id),
        role        text        NOT NULL CHECK (role IN ('operator', 'client', 'supplier', 'finance')),
        salt        bytea       NOT NULL,
        secret_hash bytea       NOT NULL,
        kdf_cost    integer     NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('idempotency_records')} (
        principal       text        NOT NULL,
        idempotency_key text        NOT NULL,
        method          text        NOT NULL,
        path            text        NOT NULL,
        request_hash    text        NOT NULL,
        status          integer     NOT NULL,
        response        jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, idempotency_key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    for (const name of ['idempotency_records', 'api_keys', 'tenants']) {
      await queryRunner.query(`DROP TABLE ${table(name)}`);
    }
  }
}

/**
 * The gateway's read model of jobs: what clients asked for, and the status, allocation, price and timeline that
 * matching, the orchestrator and billing reported (built from their events; the gateway never asks them).
 */
export class CreateJobs1764339000000 implements MigrationInterface {
  name = 'CreateJobs1764339000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('jobs')} (
        job_id                     text        PRIMARY KEY,
        tenant_id                  text        NOT NULL,
        name                       text,
        spec                       jsonb       NOT NULL,
        status                     text        NOT NULL,
        reason                     text,
        reservation_id             uuid,
        attempt                    integer,
        allocation                 jsonb,
        price_per_gpu_hour_micros  bigint,
        submitted_at               timestamptz NOT NULL,
        updated_at                 timestamptz NOT NULL,
        timeline                   jsonb       NOT NULL DEFAULT '[]'
      )`);
    await queryRunner.query(`CREATE INDEX jobs_by_tenant ON ${table('jobs')} (tenant_id, job_id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'jobs')}`);
  }
}

/**
 * The gateway's read model of money: each tenant's available and held credit, kept from billing's finance events
 * (credit-added, hold-placed, usage-recorded, hold-released: each a delta, so their order does not matter), and
 * the top-ups clients asked for with their outcome.
 */
export class CreateBalances1764340000000 implements MigrationInterface {
  name = 'CreateBalances1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('balances')} (
        tenant_id        text        PRIMARY KEY,
        available_micros bigint      NOT NULL DEFAULT 0,
        held_micros      bigint      NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('top_ups')} (
        top_up_id     uuid        PRIMARY KEY,
        tenant_id     text        NOT NULL,
        amount_micros bigint      NOT NULL,
        status        text        NOT NULL CHECK (status IN ('pending', 'credited', 'declined')),
        reason        text,
        requested_at  timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TABLE ${table('top_ups')}`);
    await queryRunner.query(`DROP TABLE ${table('balances')}`);
  }
}

/** The gateway's read models of settled usage: per reservation for clients, per node share for suppliers. */
export class CreateUsage1764341000000 implements MigrationInterface {
  name = 'CreateUsage1764341000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('usage')} (
        reservation_id uuid        PRIMARY KEY,
        job_id         text        NOT NULL,
        tenant_id      text        NOT NULL,
        gpu_seconds    bigint      NOT NULL,
        charged_micros bigint      NOT NULL,
        settled_at     timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX usage_by_tenant_job ON ${table('usage')} (tenant_id, job_id)`);
    // Suppliers' shares of the same settlements; a supplier tenant's id is its supplier id.
    await queryRunner.query(`
      CREATE TABLE ${table('supplier_earnings')} (
        settlement_id uuid        NOT NULL,
        node_id       uuid        NOT NULL,
        supplier_id   text        NOT NULL,
        job_id        text        NOT NULL,
        gpu_seconds   bigint      NOT NULL,
        amount_micros bigint      NOT NULL,
        settled_at    timestamptz NOT NULL,
        PRIMARY KEY (settlement_id, node_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX supplier_earnings_by_supplier ON ${table('supplier_earnings')} (supplier_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TABLE ${table('supplier_earnings')}`);
    await queryRunner.query(`DROP TABLE ${table('usage')}`);
  }
}

/**
 * The platform itself becomes a tenant (`gridex`, kind `platform`) so operators can give out more operator keys
 * and platform-wide finance keys; clients and suppliers are never of this kind.
 */
export class AddPlatformTenant1764342000000 implements MigrationInterface {
  name = 'AddPlatformTenant1764342000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`ALTER TABLE ${table('tenants')} DROP CONSTRAINT tenants_kind_check`);
    await queryRunner.query(
      `ALTER TABLE ${table('tenants')} ADD CONSTRAINT tenants_kind_check CHECK (kind IN ('client', 'supplier', 'platform'))`,
    );
    await queryRunner.query(
      `INSERT INTO ${table('tenants')} (tenant_id, name, kind) VALUES ($1, 'Gridex platform', 'platform')
       ON CONFLICT DO NOTHING`,
      [PLATFORM_TENANT],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DELETE FROM ${table('api_keys')} WHERE tenant_id = $1`, [PLATFORM_TENANT]);
    await queryRunner.query(`DELETE FROM ${table('tenants')} WHERE tenant_id = $1`, [PLATFORM_TENANT]);
    await queryRunner.query(`ALTER TABLE ${table('tenants')} DROP CONSTRAINT tenants_kind_check`);
    await queryRunner.query(
      `ALTER TABLE ${table('tenants')} ADD CONSTRAINT tenants_kind_check CHECK (kind IN ('client', 'supplier'))`,
    );
  }
}

/** Why each job landed where it did: the chosen offer's score and the runner-up's, from job-matched. */
export class JobExplanations1765600000000 implements MigrationInterface {
  name = 'JobExplanations1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ${qualified(migrationSchema(queryRunner), 'jobs')} ADD COLUMN explanation jsonb`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ${qualified(migrationSchema(queryRunner), 'jobs')} DROP COLUMN explanation`,
    );
  }
}

/**
 * Self-service sign-up: a tenant that signed itself up waits `pending` until an operator approves it (when the
 * exchange requires approval); every tenant created before, or by an operator, is `active`. A supplier that
 * signed up keeps its kind and region here until approval announces it to inventory.
 */
export class TenantApproval1765700000000 implements MigrationInterface {
  name = 'TenantApproval1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'tenants');
    await queryRunner.query(
      `ALTER TABLE ${table} ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active')),
         ADD COLUMN supplier_kind text, ADD COLUMN region text`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'tenants');
    await queryRunner.query(
      `ALTER TABLE ${table} DROP COLUMN status, DROP COLUMN supplier_kind, DROP COLUMN region`,
    );
  }
}

/**
 * Idempotency records expire, and a claim is a lease: `response_body` keeps the first answer's exact bytes (a
 * jsonb column reorders keys), `lease_until` lets a retry take over a claim whose request crashed mid-way, and
 * the index serves the sweep of expired records.
 */
export class IdempotencyLeases1765800000000 implements MigrationInterface {
  name = 'IdempotencyLeases1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const table = qualified(schema, 'idempotency_records');
    await queryRunner.query(
      `ALTER TABLE ${table} ADD COLUMN response_body text, ADD COLUMN lease_until timestamptz NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(`UPDATE ${table} SET response_body = response::text WHERE status > 0`);
    await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN response`);
    await queryRunner.query(`CREATE INDEX idempotency_records_by_age ON ${table} (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'idempotency_records');
    await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN response jsonb NOT NULL DEFAULT 'null'`);
    await queryRunner.query(
      `UPDATE ${table} SET response = response_body::jsonb WHERE response_body IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN response_body, DROP COLUMN lease_until`);
  }
}

/** A job shows when its current placement's workload started and ended, the times billing meters with. */
export class JobRunTimes1765900000000 implements MigrationInterface {
  name = 'JobRunTimes1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'jobs');
    await queryRunner.query(
      `ALTER TABLE ${table} ADD COLUMN started_at timestamptz, ADD COLUMN finished_at timestamptz`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'jobs');
    await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN started_at, DROP COLUMN finished_at`);
  }
}

/** Gateway's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const gatewayMigrations: Array<new () => MigrationInterface> = [
  CreateTenantsAndKeys1764338000000,
  CreateJobs1764339000000,
  CreateBalances1764340000000,
  CreateUsage1764341000000,
  AddPlatformTenant1764342000000,
  JobExplanations1765600000000,
  TenantApproval1765700000000,
  IdempotencyLeases1765800000000,
  JobRunTimes1765900000000,
];
