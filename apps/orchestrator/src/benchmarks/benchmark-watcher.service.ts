import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CoreV1Api, Informer, KubeConfig, makeInformer, ObjectCache, V1Pod } from '@kubernetes/client-node';
import { DataSource } from 'typeorm';
import { BenchmarkCompleted } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { apiStatus } from '../kubernetes/kubernetes-client';
import { labelValue, WorkloadLabels } from '../workloads/workload-names';
import { BENCHMARK_LABEL, benchmarkResult, VERIFICATION_ID_LABEL } from './benchmark-pod';

/** How often benchmarks finished before their record committed are looked for. */
const SWEEP_INTERVAL_MS = 5000;

/**
 * Watches the benchmark pods and reports each finished one exactly once (`benchmark-completed`, through the
 * outbox, guarded by the benchmark's row), then deletes the pod.
 */
@Injectable()
export class BenchmarkWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BenchmarkWatcherService.name);
  private readonly table: string;
  private informer?: Informer<V1Pod> & ObjectCache<V1Pod>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sweep = new PeriodicTask(
    new Logger(BenchmarkWatcherService.name),
    'unreported benchmark sweep',
    SWEEP_INTERVAL_MS,
    () => this.sweepUnreported(),
  );

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(KubeConfig) private readonly kubeConfig: KubeConfig,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'benchmarks');
  }

  async onApplicationBootstrap(): Promise<void> {
    const namespace = this.config.SYSTEM_NAMESPACE;
    const selector = `${BENCHMARK_LABEL}=benchmark,${WorkloadLabels.cluster}=${labelValue(this.config.CLUSTER_ID)}`;
    this.informer = makeInformer(
      this.kubeConfig,
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.core.listNamespacedPod({ namespace, labelSelector: selector }),
      selector,
    );
    const onPod = (pod: V1Pod) => {
      const work = this.report(pod).catch((error: unknown) =>
        this.logger.error(`reporting benchmark ${pod.metadata?.name} failed: ${String(error)}`),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    };
    this.informer.on('add', onPod);
    this.informer.on('update', onPod);
    this.informer.on('error', (error) => {
      this.logger.warn(`benchmark watch failed, restarting in 2 s: ${String(error)}`);
      setTimeout(() => void this.informer?.start().catch(() => undefined), 2000);
    });
    await this.informer.start();
    this.sweep.start();
  }

  /**
   * A benchmark pod is created inside the transaction that records its request, so on a busy control plane it
   * can finish before that commits: the watcher then sees it unrecorded and leaves it. The sweep reports those
   * from the informer's cache once their record is there.
   */
  private async sweepUnreported(): Promise<void> {
    const rows: Array<{ pod_name: string }> = await this.dataSource.query(
      `SELECT pod_name FROM ${this.table} WHERE status = 'running' AND requested_at < now() - interval '5 seconds'
       ORDER BY requested_at LIMIT 1000`,
    );
    for (const { pod_name } of rows) {
      const pod = this.informer?.get(pod_name, this.config.SYSTEM_NAMESPACE);
      if (pod) await this.report(pod);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.sweep.stop();
    await this.informer?.stop();
    await Promise.all(this.inFlight);
  }

  private async report(pod: V1Pod): Promise<void> {
    const result = benchmarkResult(pod);
    const verificationId = pod.metadata?.labels?.[VERIFICATION_ID_LABEL];
    if (!result || !verificationId) return;
    const recorded = await this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT verification_id, node_id, cluster_id, node_name, status FROM ${this.table}
         WHERE verification_id = $1 FOR UPDATE`,
        [verificationId],
      );
      if (!row) return false; // not committed yet: the sweep reports it
      if (row.status !== 'running') return true; // reported already, here or by another replica
      await tx.query(
        `UPDATE ${this.table} SET status = 'reported', reported_at = now() WHERE verification_id = $1`,
        [verificationId],
      );
      await this.outbox.emit(
        tx,
        BenchmarkCompleted,
        {
          verificationId,
          nodeId: row.node_id,
          clusterId: row.cluster_id,
          nodeName: row.node_name,
          ...(result.outcome === 'measured'
            ? { outcome: 'measured' as const, score: result.score }
            : { outcome: 'failed' as const, detail: result.detail.slice(0, 1000) }),
          completedAt: new Date().toISOString(),
        },
        { correlationId: `verification:${verificationId}`, causationId: null },
      );
      return true;
    });
    if (!recorded) return;
    // Finished and reported (here or by another replica): the pod has served its purpose.
    if (pod.metadata?.deletionTimestamp === undefined) {
      await this.core
        .deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: this.config.SYSTEM_NAMESPACE })
        .catch((error: unknown) => {
          if (apiStatus(error) !== 404) throw error;
        });
    }
  }
}
