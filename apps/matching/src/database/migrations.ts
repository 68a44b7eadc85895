import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';

/** Jobs and their queue, reservations, and the per-node reservation counters that guard against over-allocation. */
export class CreateMatchingTables1764330000000 implements MigrationInterface {
  name = 'CreateMatchingTables1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('jobs')} (
        job_id            text        PRIMARY KEY,
        tenant_id         text        NOT NULL,
        correlation_id    text        NOT NULL,
        spec              jsonb       NOT NULL,
        tier              text        NOT NULL CHECK (tier IN ('on-demand', 'interruptible')),
        priority          integer     NOT NULL,
        submitted_at      timestamptz NOT NULL,
        queue_deadline    timestamptz NOT NULL,
        state             text        NOT NULL CHECK (state IN
                            ('queued', 'matched', 'running', 'succeeded', 'failed', 'cancelled', 'expired')),
        attempt           integer     NOT NULL DEFAULT -1,
        retry_budget      integer     NOT NULL DEFAULT 0,
        failovers         integer     NOT NULL DEFAULT 0,
        excluded_node_ids uuid[]      NOT NULL DEFAULT '{}',
        reservation_id    uuid,
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX jobs_queued ON ${table('jobs')} (submitted_at) WHERE state = 'queued'`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('reservations')} (
        reservation_id      uuid        PRIMARY KEY,
        job_id              text        NOT NULL,
        tenant_id           text        NOT NULL,
        attempt             integer     NOT NULL,
        tier                text        NOT NULL,
        state               text        NOT NULL CHECK (state IN ('active', 'released')),
        allocations         jsonb       NOT NULL,
        hourly_value_micros bigint      NOT NULL,
        created_at          timestamptz NOT NULL,
        released_at         timestamptz,
        release_reason      text
      )`);
    await queryRunner.query(
      `CREATE INDEX reservations_preemptible ON ${table('reservations')} (hourly_value_micros)
       WHERE state = 'active' AND tier = 'interruptible'`,
    );
    await queryRunner.query(`CREATE SEQUENCE ${table('node_reservation_changes')}`);
    // The authority on what is reserved per node. A placement locks its nodes' rows, re-checks, then adds; two
    // replicas therefore serialize on a node and can never both take its last GPUs.
    await queryRunner.query(`
      CREATE TABLE ${table('node_reservations')} (
        node_id       uuid    PRIMARY KEY,
        reserved_gpus integer NOT NULL CHECK (reserved_gpus >= 0),
        change_seq    bigint  NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX node_reservations_by_change ON ${table('node_reservations')} (change_seq)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP TABLE ${table('node_reservations')}`);
    await queryRunner.query(`DROP SEQUENCE ${table('node_reservation_changes')}`);
    await queryRunner.query(`DROP TABLE ${table('reservations')}`);
    await queryRunner.query(`DROP TABLE ${table('jobs')}`);
  }
}

/** Matching's own schema migrations, oldest first (the messaging tables are added by the runtime). */
/**
 * Fair shares of the queue: each tenant's weight (1 unless the operator set another), and an index that reads the
 * head of every tenant's queue without scanning the others'.
 */
export class FairShares1765600000000 implements MigrationInterface {
  name = 'FairShares1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('tenant_shares')} (
        tenant_id  text        PRIMARY KEY,
        weight     integer     NOT NULL CHECK (weight BETWEEN 1 AND 1000),
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX jobs_queued_by_tenant ON ${table('jobs')} (tenant_id, priority DESC, submitted_at, job_id)
       WHERE state = 'queued'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`DROP INDEX ${table('jobs_queued_by_tenant')}`);
    await queryRunner.query(`DROP TABLE ${table('tenant_shares')}`);
  }
}

export const matchingMigrations: Array<new () => MigrationInterface> = [
  CreateMatchingTables1764330000000,
  FairShares1765600000000,
];
