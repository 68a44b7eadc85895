import { MigrationInterface } from 'typeorm';

/** Gateway's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const gatewayMigrations: Array<new () => MigrationInterface> = [];
