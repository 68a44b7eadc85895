import { MigrationInterface } from 'typeorm';

/** Billing's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const billingMigrations: Array<new () => MigrationInterface> = [];
