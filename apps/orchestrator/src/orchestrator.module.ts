import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { orchestratorConfigSchema } from './config/orchestrator.config';
import { orchestratorMigrations } from './database/migrations';
import { BenchmarkWatcherService } from './benchmarks/benchmark-watcher.service';
import { RunBenchmarkHandler } from './benchmarks/run-benchmark.handler';
import { coreApiProvider, kubeConfigProvider } from './kubernetes/kubernetes-client';
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
  providers: [
    kubeConfigProvider,
    coreApiProvider,
    NodeSyncService,
    RunBenchmarkHandler,
    BenchmarkWatcherService,
  ],
})
export class OrchestratorModule {}
