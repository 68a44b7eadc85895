import { Client } from 'pg';
import { DataSource, DataSourceOptions, EntitySchema, MigrationInterface } from 'typeorm';

type MigrationClass = new () => MigrationInterface;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityTarget = Function | EntitySchema;

/** What a service needs to describe its database: one PostgreSQL schema that only it writes. */
export interface ServiceDatabaseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The service's own schema, e.g. `billing`. */
  schema: string;
  migrations: MigrationClass[];
  entities?: EntityTarget[];
  /** Connections in the pool. */
  poolSize?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** TypeORM options for a service schema: migrations only, never `synchronize`. */
export function serviceDataSourceOptions(options: ServiceDatabaseOptions): DataSourceOptions {
  if (!SCHEMA_NAME.test(options.schema)) {
    throw new Error(`database schema "${options.schema}" must be lower-case letters, digits and _`);
  }
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 10 },
  };
}

/**
 * Connects, creates the service's schema if needed and runs its pending migrations. Replicas starting together
 * take turns through an advisory lock, so a migration never runs twice at once.
 */
export async function openServiceDataSource(options: ServiceDatabaseOptions): Promise<DataSource> {
  const dataSourceOptions = serviceDataSourceOptions(options);
  await migrateUnderLock(options.url, options.schema, async () => {
    const migrator = new DataSource({ ...dataSourceOptions, extra: { max: 1 } });
    await migrator.initialize();
    try {
      await migrator.runMigrations({ transaction: 'each' });
    } finally {
      await migrator.destroy();
    }
  });
  const dataSource = new DataSource(dataSourceOptions);
  await dataSource.initialize();
  return dataSource;
}

async function migrateUnderLock(url: string, schema: string, migrate: () => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`gridex:migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await migrate();
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`gridex:migrations:${schema}`])
      .catch(() => undefined);
    await client.end();
  }
}

/** Quotes a schema-qualified table name for raw SQL: `"billing"."outbox"`. */
export function qualified(schema: string, table: string): string {
  if (!SCHEMA_NAME.test(schema) || !SCHEMA_NAME.test(table)) {
    throw new Error(`invalid identifier ${schema}.${table}`);
  }
  return `"${schema}"."${table}"`;
}

/** The schema a migration runs in: the service's own, from its data source. */
export function migrationSchema(queryRunner: { connection: { options: object } }): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('migrations need a data source with a schema');
  return schema;
}
