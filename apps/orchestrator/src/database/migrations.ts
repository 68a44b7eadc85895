import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';

/** What the orchestrator last reported about each node, so a resync or restart reports only real changes. */
export class CreateReportedNodes1764321000000 implements MigrationInterface {
  name = 'CreateReportedNodes1764321000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'reported_nodes');
    await queryRunner.query(`
      CREATE TABLE ${table} (
        cluster_id       text        NOT NULL,
        node_name        text        NOT NULL,
        fingerprint      text,
        ready            boolean     NOT NULL DEFAULT false,
        removed          boolean     NOT NULL DEFAULT false,
        resource_version text,
        problems         text[],
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, node_name)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'reported_nodes')}`);
  }
}

/** Verification benchmarks the orchestrator was asked to run, and whether their result was reported. */
export class CreateBenchmarks1764323000000 implements MigrationInterface {
  name = 'CreateBenchmarks1764323000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ${qualified(migrationSchema(queryRunner), 'benchmarks')} (
        verification_id uuid        PRIMARY KEY,
        node_id         uuid        NOT NULL,
        cluster_id      text        NOT NULL,
        node_name       text        NOT NULL,
        pod_name        text        NOT NULL,
        status          text        NOT NULL CHECK (status IN ('running', 'reported')),
        requested_at    timestamptz NOT NULL,
        reported_at     timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'benchmarks')}`);
  }
}

/** Workloads (one per allocation), jobs cancelled before their allocation arrived, tenants' namespaces. */
export class CreateWorkloads1764331000000 implements MigrationInterface {
  name = 'CreateWorkloads1764331000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('workloads')} (
        workload_id    uuid        PRIMARY KEY,
        reservation_id uuid        NOT NULL UNIQUE,
        job_id         text        NOT NULL,
        tenant_id      text        NOT NULL,
        correlation_id text        NOT NULL,
        namespace      text        NOT NULL,
        name           text        NOT NULL,
        kind           text        NOT NULL CHECK (kind IN ('job', 'gang')),
        pod_count      integer     NOT NULL,
        allocations    jsonb       NOT NULL,
        state          text        NOT NULL CHECK (state IN
                         ('created', 'scheduled', 'running', 'succeeded', 'failed', 'stopped')),
        reason         text,
        scheduled_at   timestamptz,
        started_at     timestamptz,
        finished_at    timestamptz,
        cleaned_up     boolean     NOT NULL DEFAULT false,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX workloads_by_job ON ${table('workloads')} (job_id)`);
    await queryRunner.query(
      `CREATE INDEX workloads_active ON ${table('workloads')} (state) WHERE state IN ('created', 'scheduled', 'running')`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('cancelled_jobs')} (
        job_id       text        PRIMARY KEY,
        cancelled_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('tenant_namespaces')} (
        tenant_id  text        PRIMARY KEY,
        namespace  text        NOT NULL,
        ensured_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    for (const name of ['tenant_namespaces', 'cancelled_jobs', 'workloads']) {
      await queryRunner.query(`DROP TABLE ${table(name)}`);
    }
  }
}

/**
 * Stop commands aimed at a reservation (preemption, credit) that arrived before its allocation: the allocation
 * travels on another topic and may come later, and must then be refused rather than started.
 */
export class CreateStoppedReservations1764334000000 implements MigrationInterface {
  name = 'CreateStoppedReservations1764334000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ${qualified(migrationSchema(queryRunner), 'stopped_reservations')} (
        reservation_id uuid        PRIMARY KEY,
        reason         text        NOT NULL,
        stopped_at     timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'stopped_reservations')}`);
  }
}

/**
 * Credit before capacity: a workload waits for billing's hold (`awaiting-hold`, keeping its allocation to launch
 * from), and a hold that arrives before its allocation is remembered by reservation.
 */
export class AwaitHolds1764800000000 implements MigrationInterface {
  name = 'AwaitHolds1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`ALTER TABLE ${table('workloads')} DROP CONSTRAINT workloads_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${table('workloads')} ADD CONSTRAINT workloads_state_check CHECK (state IN
         ('awaiting-hold', 'created', 'scheduled', 'running', 'succeeded', 'failed', 'stopped'))`,
    );
    await queryRunner.query(`ALTER TABLE ${table('workloads')} ADD COLUMN matched jsonb`);
    await queryRunner.query(`
      CREATE TABLE ${table('placed_holds')} (
        reservation_id uuid        PRIMARY KEY,
        placed_at      timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TABLE ${table('placed_holds')}`);
    await queryRunner.query(`ALTER TABLE ${table('workloads')} DROP COLUMN matched`);
    await queryRunner.query(`DELETE FROM ${table('workloads')} WHERE state = 'awaiting-hold'`);
    await queryRunner.query(`ALTER TABLE ${table('workloads')} DROP CONSTRAINT workloads_state_check`);
    await queryRunner.query(
      `ALTER TABLE ${table('workloads')} ADD CONSTRAINT workloads_state_check CHECK (state IN
         ('created', 'scheduled', 'running', 'succeeded', 'failed', 'stopped'))`,
    );
  }
}

/**
 * Workloads placed on another compute network: their kind is `network`, and they keep the network, what was
 * asked of it and when (the start timeout counts from then), the job's id there once known, and what the
 * network charged, once reported.
 */
export class NetworkWorkloads1765100000000 implements MigrationInterface {
  name = 'NetworkWorkloads1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'workloads');
    await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT workloads_kind_check`);
    await queryRunner.query(
      `ALTER TABLE ${table} ADD CONSTRAINT workloads_kind_check CHECK (kind IN ('job', 'gang', 'network'))`,
    );
    await queryRunner.query(
      `ALTER TABLE ${table} ADD COLUMN network_id text, ADD COLUMN network_request jsonb, ADD COLUMN placed_at timestamptz,
         ADD COLUMN external_job_id text, ADD COLUMN charged_micros bigint, ADD COLUMN charge_reported_at timestamptz`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'workloads');
    await queryRunner.query(`DELETE FROM ${table} WHERE kind = 'network'`);
    await queryRunner.query(
      `ALTER TABLE ${table} DROP COLUMN network_id, DROP COLUMN network_request, DROP COLUMN placed_at,
         DROP COLUMN external_job_id, DROP COLUMN charged_micros, DROP COLUMN charge_reported_at`,
    );
    await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT workloads_kind_check`);
    await queryRunner.query(
      `ALTER TABLE ${table} ADD CONSTRAINT workloads_kind_check CHECK (kind IN ('job', 'gang'))`,
    );
  }
}

/**
 * Workloads' container logs, kept past their pods: one row per line with the kubelet's timestamp (nine
 * fractional digits, so that string order is time order), the pod's rank and node, and when it was stored (the
 * retention counts from then). Read by job, in order; capped per pod by deleting the oldest lines.
 */
export class WorkloadLogs1765900000000 implements MigrationInterface {
  name = 'WorkloadLogs1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'workload_log_lines');
    await queryRunner.query(`
      CREATE TABLE ${table} (
        seq         bigserial   PRIMARY KEY,
        workload_id text        NOT NULL,
        job_id      text        NOT NULL,
        tenant_id   text        NOT NULL,
        rank        integer     NOT NULL,
        node_name   text        NOT NULL,
        logged_at   text        NOT NULL,
        line        text        NOT NULL,
        stored_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX workload_log_lines_by_job ON ${table} (job_id, seq)`);
    await queryRunner.query(
      `CREATE INDEX workload_log_lines_by_pod ON ${table} (workload_id, rank, logged_at)`,
    );
    await queryRunner.query(`CREATE INDEX workload_log_lines_by_age ON ${table} (stored_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'workload_log_lines')}`);
  }
}

/** The orchestrator's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const orchestratorMigrations: Array<new () => MigrationInterface> = [
  CreateReportedNodes1764321000000,
  CreateBenchmarks1764323000000,
  CreateWorkloads1764331000000,
  CreateStoppedReservations1764334000000,
  AwaitHolds1764800000000,
  NetworkWorkloads1765100000000,
  WorkloadLogs1765900000000,
];
