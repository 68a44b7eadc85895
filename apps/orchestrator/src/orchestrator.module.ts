import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { orchestratorConfigSchema } from './config/orchestrator.config';
import { orchestratorMigrations } from './database/migrations';
import { NodeSyncService } from './node-sync/node-sync.service';

/** Orchestrator: runs matched work on Kubernetes GPU node pools and reports the cluster's nodes. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'orchestrator',
      configSchema: orchestratorConfigSchema,
      migrations: orchestratorMigrations,
    }),
  ],
  providers: [NodeSyncService],
})
export class OrchestratorModule {}
