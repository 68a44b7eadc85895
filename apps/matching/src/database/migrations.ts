import { MigrationInterface } from 'typeorm';

/** Matching's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const matchingMigrations: Array<new () => MigrationInterface> = [];
