import { MigrationInterface } from 'typeorm';

/** Orchestrator's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const orchestratorMigrations: Array<new () => MigrationInterface> = [];
