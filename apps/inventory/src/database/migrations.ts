import { MigrationInterface } from 'typeorm';

/** Inventory's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const inventoryMigrations: Array<new () => MigrationInterface> = [];
