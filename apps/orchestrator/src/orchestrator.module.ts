import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { orchestratorConfigSchema } from './config/orchestrator.config';
import { orchestratorMigrations } from './database/migrations';

/** Orchestrator: runs matched work on Kubernetes GPU node pools. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'orchestrator',
      configSchema: orchestratorConfigSchema,
      migrations: orchestratorMigrations,
    }),
  ],
})
export class OrchestratorModule {}
