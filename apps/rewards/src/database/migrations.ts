import { MigrationInterface } from 'typeorm';

/** Rewards's own schema migrations, oldest first (the messaging tables are added by the runtime). */
export const rewardsMigrations: Array<new () => MigrationInterface> = [];
