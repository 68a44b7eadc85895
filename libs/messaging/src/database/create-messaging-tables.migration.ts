import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';

/**
 * The outbox and inbox tables, created in the schema of the service that runs this migration (see
 * {@link messagingMigrations}).
 */
export class CreateMessagingTables1764316800000 implements MigrationInterface {
  name = 'CreateMessagingTables1764316800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${qualified(schema, 'outbox')} (
        position      bigserial   PRIMARY KEY,
        event_id      uuid        NOT NULL UNIQUE,
        topic         text        NOT NULL,
        partition_key text        NOT NULL,
        message       text        NOT NULL,
        headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        published_at  timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX outbox_unpublished ON ${qualified(schema, 'outbox')} (position) WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_published_at ON ${qualified(schema, 'outbox')} (published_at) WHERE published_at IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE ${qualified(schema, 'inbox')} (
        handler      text        NOT NULL,
        event_id     uuid        NOT NULL,
        topic        text        NOT NULL,
        "partition"  integer     NOT NULL,
        "offset"     bigint      NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (handler, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${qualified(schema, 'inbox')}`);
    await queryRunner.query(`DROP TABLE ${qualified(schema, 'outbox')}`);
  }
}
