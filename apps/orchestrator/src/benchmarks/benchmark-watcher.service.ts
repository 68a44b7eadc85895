import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CoreV1Api, Informer, KubeConfig, makeInformer, V1Pod } from '@kubernetes/client-node';
import { DataSource } from 'typeorm';
import { BenchmarkCompleted, createEvent } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { apiStatus } from '../kubernetes/kubernetes-client';
import { labelValue, WorkloadLabels } from '../workloads/workload-names';
import { BENCHMARK_LABEL, benchmarkResult, VERIFICATION_ID_LABEL } from './benchmark-pod';

/**
 * Watches the benchmark pods and reports each finished one exactly once (`benchmark-completed`, through the
 * outbox, guarded by the benchmark's row), then deletes the pod.
 */
@Injectable()
export class BenchmarkWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BenchmarkWatcherService.name);
  private readonly table: string;
  private informer?: Informer<V1Pod>;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

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
      const work = this.reportWhenRecorded(pod).catch((error: unknown) =>
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
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.informer?.stop();
    await Promise.all(this.inFlight);
  }

  /**
   * Reports a finished benchmark. The pod is created inside the transaction that records the request, so on a
   * busy control plane it can finish before that commits: until the record is there, look again shortly
   * (for up to a minute) rather than delete a pod nobody has reported.
   */
  private async reportWhenRecorded(pod: V1Pod): Promise<void> {
    for (let attempt = 0; attempt < 60 && !this.stopping; attempt += 1) {
      const outcome = await this.report(pod);
      if (outcome !== 'not-recorded-yet') return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private async report(pod: V1Pod): Promise<'reported' | 'not-finished' | 'not-recorded-yet'> {
    const result = benchmarkResult(pod);
    const verificationId = pod.metadata?.labels?.[VERIFICATION_ID_LABEL];
    if (!result || !verificationId) return 'not-finished';
    const recorded = await this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT verification_id, node_id, cluster_id, node_name, status FROM ${this.table}
         WHERE verification_id = $1 FOR UPDATE`,
        [verificationId],
      );
      if (!row) return false;
      if (row.status !== 'running') return true; // reported already, here or by another replica
      await tx.query(
        `UPDATE ${this.table} SET status = 'reported', reported_at = now() WHERE verification_id = $1`,
        [verificationId],
      );
      const event = createEvent(
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
      await this.outbox.append(tx, [{ contract: BenchmarkCompleted, event }]);
      return true;
    });
    if (!recorded) return 'not-recorded-yet';
    // Finished and reported (here or by another replica): the pod has served its purpose.
    if (pod.metadata?.deletionTimestamp === undefined) {
      await this.core
        .deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace: this.config.SYSTEM_NAMESPACE })
        .catch((error: unknown) => {
          if (apiStatus(error) !== 404) throw error;
        });
    }
    return 'reported';
  }
}
