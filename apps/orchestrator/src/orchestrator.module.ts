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
import { networkRegistryProvider, NetworkOffersService, NetworksController } from './networks/networks';
import { NetworkPlacements } from './networks/network-placements.service';
import { NetworkWorkloadPoller } from './networks/network-workload-poller.service';
import { KubernetesClusterApi } from './kubernetes/kubernetes-cluster-api';
import { ClusterApi } from './workloads/cluster-api.port';
import { StartPaidWorkloadHandler, StartWorkloadHandler } from './workloads/start-workload.handler';
import {
  CancelWorkloadHandler,
  PreemptWorkloadHandler,
  StopForCreditHandler,
  StopForRejectedHoldHandler,
} from './workloads/stop-workload.handlers';
import { WorkloadWatcherService } from './workloads/workload-watcher.service';
import { TenantNamespaces } from './workloads/tenant-namespaces.service';
import { WorkloadLifecycle } from './workloads/workload-lifecycle.service';
import { WorkloadStore } from './workloads/workload.store';
import { WorkloadLogKeeper } from './workloads/cluster-api.port';
import { WorkloadLogsController } from './workloads/workload-logs.controller';
import { WorkloadLogs } from './workloads/workload-logs.service';
import { LiveLogs } from './workloads/live-logs.service';

/**
 * Orchestrator: runs matched work on Kubernetes GPU node pools, reports the cluster's nodes, and holds the
 * other compute networks the exchange may route to.
 */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'orchestrator',
      configSchema: orchestratorConfigSchema,
      migrations: orchestratorMigrations,
    }),
  ],
  controllers: [NetworksController, WorkloadLogsController],
  providers: [
    WorkloadLogs,
    LiveLogs,
    { provide: WorkloadLogKeeper, useExisting: WorkloadLogs },
    networkRegistryProvider,
    NetworkOffersService,
    NetworkPlacements,
    NetworkWorkloadPoller,
    kubeConfigProvider,
    coreApiProvider,
    batchApiProvider,
    networkingApiProvider,
    KubeCalls,
    NodeSyncService,
    { provide: ClusterApi, useClass: KubernetesClusterApi },
    WorkloadStore,
    TenantNamespaces,
    WorkloadLifecycle,
    WorkloadWatcherService,
    StartWorkloadHandler,
    StartPaidWorkloadHandler,
    CancelWorkloadHandler,
    PreemptWorkloadHandler,
    StopForCreditHandler,
    StopForRejectedHoldHandler,
    RunBenchmarkHandler,
    BenchmarkWatcherService,
  ],
})
export class OrchestratorModule {}
