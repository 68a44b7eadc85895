import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';

/**
 * The relay deletes an outbox row once Kafka has acknowledged it, instead of marking it published and purging
 * it an hour later: marking rewrote every row (message included) and its index entries once more, the busiest
 * write in a service's database under load. Kafka keeps what was published; the outbox keeps what was not.
 * Rows left marked by an earlier relay are removed here.
 */
export class DeletePublishedOutboxRows1764900000000 implements MigrationInterface {
  name = 'DeletePublishedOutboxRows1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const outbox = qualified(schema, 'outbox');
    await queryRunner.query(`DELETE FROM ${outbox} WHERE published_at IS NOT NULL`);
    await queryRunner.query(`DROP INDEX ${qualified(schema, 'outbox_published_at')}`);
    await queryRunner.query(`DROP INDEX ${qualified(schema, 'outbox_unpublished')}`);
    await queryRunner.query(`ALTER TABLE ${outbox} DROP COLUMN published_at`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const outbox = qualified(schema, 'outbox');
    await queryRunner.query(`ALTER TABLE ${outbox} ADD COLUMN published_at timestamptz`);
    await queryRunner.query(
      `CREATE INDEX outbox_unpublished ON ${outbox} (position) WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_published_at ON ${outbox} (published_at) WHERE published_at IS NOT NULL`,
    );
  }
}
