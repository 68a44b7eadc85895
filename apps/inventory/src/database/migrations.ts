import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema, qualified } from '@gridex/persistence';

/** Suppliers, their pools and nodes, offers, readiness history. */
export class CreateSupplyTables1764322000000 implements MigrationInterface {
  name = 'CreateSupplyTables1764322000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('suppliers')} (
        supplier_id   text        PRIMARY KEY,
        name          text        NOT NULL,
        kind          text        NOT NULL CHECK (kind IN ('datacenter', 'individual', 'network')),
        region        text        NOT NULL,
        status        text        NOT NULL DEFAULT 'active',
        registered_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('pools')} (
        supplier_id text    NOT NULL,
        pool        text    NOT NULL,
        paused      boolean NOT NULL DEFAULT false,
        PRIMARY KEY (supplier_id, pool)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('nodes')} (
        node_id          uuid        PRIMARY KEY,
        cluster_id       text        NOT NULL,
        node_name        text        NOT NULL,
        supplier_id      text        NOT NULL,
        pool             text        NOT NULL,
        region           text        NOT NULL,
        gpu_product      text        NOT NULL,
        gpu_count        integer     NOT NULL,
        gpu_memory_mib   integer     NOT NULL,
        interconnect     text        NOT NULL,
        cpu_millis       bigint      NOT NULL,
        memory_mib       bigint      NOT NULL,
        ready            boolean     NOT NULL,
        allocatable_gpus integer     NOT NULL,
        removed          boolean     NOT NULL DEFAULT false,
        revision         integer     NOT NULL,
        verification     text        NOT NULL DEFAULT 'unverified' CHECK (verification IN ('unverified', 'verified', 'failed')),
        benchmark_score  integer,
        verified_at      timestamptz,
        first_seen_at    timestamptz NOT NULL,
        observed_at      timestamptz NOT NULL,
        UNIQUE (cluster_id, node_name)
      )`);
    await queryRunner.query(`CREATE INDEX nodes_by_pool ON ${table('nodes')} (supplier_id, pool)`);
    await queryRunner.query(`
      CREATE TABLE ${table('node_readiness')} (
        node_id uuid        NOT NULL,
        at      timestamptz NOT NULL,
        ready   boolean     NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX node_readiness_by_node ON ${table('node_readiness')} (node_id, at)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${table('offers')} (
        supplier_id                  text        NOT NULL,
        pool                         text        NOT NULL,
        offer_id                     text        NOT NULL,
        currency                     text        NOT NULL,
        price_micros                 bigint      NOT NULL CHECK (price_micros > 0),
        interruptible_price_micros   bigint      CHECK (interruptible_price_micros > 0),
        min_lease_seconds            integer     NOT NULL,
        max_lease_seconds            integer,
        valid_from                   timestamptz NOT NULL,
        valid_until                  timestamptz,
        node_overrides               jsonb       NOT NULL DEFAULT '[]'::jsonb,
        declared_at                  timestamptz NOT NULL,
        PRIMARY KEY (supplier_id, pool)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    for (const name of ['offers', 'node_readiness', 'nodes', 'pools', 'suppliers']) {
      await queryRunner.query(`DROP TABLE ${qualified(schema, name)}`);
    }
  }
}

/** Verification requests and results, and faults attributed to suppliers. */
export class CreateVerificationTables1764324000000 implements MigrationInterface {
  name = 'CreateVerificationTables1764324000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = (name: string) => qualified(migrationSchema(queryRunner), name);
    await queryRunner.query(`
      CREATE TABLE ${table('verifications')} (
        verification_id uuid        PRIMARY KEY,
        node_id         uuid        NOT NULL,
        sequence        integer     NOT NULL,
        status          text        NOT NULL CHECK (status IN ('pending', 'verified', 'failed')),
        score           integer,
        detail          text,
        requested_at    timestamptz NOT NULL,
        completed_at    timestamptz,
        UNIQUE (node_id, sequence)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${table('supplier_faults')} (
        fault_id    uuid        PRIMARY KEY,
        supplier_id text        NOT NULL,
        node_id     uuid        NOT NULL,
        kind        text        NOT NULL,
        detail      text        NOT NULL,
        at          timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX supplier_faults_by_supplier ON ${table('supplier_faults')} (supplier_id, at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(
      `DROP TABLE ${qualified(schema, 'supplier_faults')}, ${qualified(schema, 'verifications')}`,
    );
  }
}

/**
 * The capacity book: the last state published for each node, with the fields offer search filters and sorts on.
 * It is exactly what the capacity feed says, so a consumer rebuilding from the feed gets the same book.
 */
export class CreateCapacityBook1764325000000 implements MigrationInterface {
  name = 'CreateCapacityBook1764325000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'capacity_book');
    await queryRunner.query(`
      CREATE TABLE ${table} (
        node_id          uuid    PRIMARY KEY,
        revision         integer NOT NULL,
        supplier_id      text    NOT NULL,
        gpu_product      text    NOT NULL,
        gpu_memory_mib   integer NOT NULL,
        region           text    NOT NULL,
        interconnect     text    NOT NULL,
        gpus             integer NOT NULL,
        schedulable      boolean NOT NULL,
        verification     text    NOT NULL,
        reliability_bps  integer NOT NULL,
        price_micros     bigint,
        -- benchmark points per currency unit per hour per GPU, for "performance per dollar" ordering
        perf_per_price   double precision,
        state            jsonb   NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX capacity_book_by_supplier ON ${table} (supplier_id)`);
    await queryRunner.query(
      `CREATE INDEX capacity_book_sellable_by_price ON ${table} (price_micros, node_id) WHERE schedulable`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'capacity_book')}`);
  }
}

/**
 * The last observation of each other network's offers (older ones arriving late are ignored) and until when it
 * holds; `withdrawn` once its nodes were withdrawn for want of a newer one. The nodes they became live in the
 * capacity book only, under the network's cluster id.
 */
export class CreateNetworkObservations1765100000000 implements MigrationInterface {
  name = 'CreateNetworkObservations1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ${qualified(migrationSchema(queryRunner), 'network_observations')} (
        network_id   text        PRIMARY KEY,
        observed_at  timestamptz NOT NULL,
        valid_until  timestamptz NOT NULL,
        withdrawn    boolean     NOT NULL DEFAULT false
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualified(migrationSchema(queryRunner), 'network_observations')}`);
  }
}

/**
 * The offer search moved to matching (only its order book knows what Gridex reserved): the capacity book's
 * index for it only cost every write.
 */
export class DropOfferSearchIndex1765200000000 implements MigrationInterface {
  name = 'DropOfferSearchIndex1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP INDEX IF EXISTS "${schema}".capacity_book_sellable_by_price`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualified(migrationSchema(queryRunner), 'capacity_book');
    await queryRunner.query(
      `CREATE INDEX capacity_book_sellable_by_price ON ${table} (price_micros, node_id) WHERE schedulable`,
    );
  }
}

/** Inventory's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const inventoryMigrations: Array<new () => MigrationInterface> = [
  CreateSupplyTables1764322000000,
  CreateVerificationTables1764324000000,
  CreateCapacityBook1764325000000,
  CreateNetworkObservations1765100000000,
  DropOfferSearchIndex1765200000000,
];
