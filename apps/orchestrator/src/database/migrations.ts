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

/** The orchestrator's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const orchestratorMigrations: Array<new () => MigrationInterface> = [
  CreateReportedNodes1764321000000,
  CreateBenchmarks1764323000000,
];
