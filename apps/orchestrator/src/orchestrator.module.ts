import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { orchestratorConfigSchema } from './config/orchestrator.config';
import { orchestratorMigrations } from './database/migrations';
import { BenchmarkWatcherService } from './benchmarks/benchmark-watcher.service';
import { RunBenchmarkHandler } from './benchmarks/run-benchmark.handler';
import {
  batchApiProvider,
  coreApiProvider,
  kubeConfigProvider,
  networkingApiProvider,
} from './kubernetes/kubernetes-client';
import { KubeCalls } from './kubernetes/kube-calls';
import { NodeSyncService } from './node-sync/node-sync.service';
import { StartWorkloadHandler } from './workloads/start-workload.handler';
import {
  CancelWorkloadHandler,
  PreemptWorkloadHandler,
  StopForCreditHandler,
  StopForRejectedHoldHandler,
} from './workloads/stop-workload.handlers';
import { WorkloadWatcherService } from './workloads/workload-watcher.service';
import { WorkloadsService } from './workloads/workloads.service';

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
    batchApiProvider,
    networkingApiProvider,
    KubeCalls,
    NodeSyncService,
    WorkloadsService,
    WorkloadWatcherService,
    StartWorkloadHandler,
    CancelWorkloadHandler,
    PreemptWorkloadHandler,
    StopForCreditHandler,
    StopForRejectedHoldHandler,
    RunBenchmarkHandler,
    BenchmarkWatcherService,
  ],
})
export class OrchestratorModule {}
