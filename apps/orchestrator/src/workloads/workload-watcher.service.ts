import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CoreV1Api, Informer, KubeConfig, makeInformer, ObjectCache, V1Pod } from '@kubernetes/client-node';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { KubeCalls } from '../kubernetes/kube-calls';
import { apiStatus } from '../kubernetes/kubernetes-client';
import { NodeSyncService } from '../node-sync/node-sync.service';
import { ownPodsSelector, WorkloadLabels } from './workload-names';
import { podView, workloadStatus } from './workload-status';
import { LIVE_STATES } from '../domain/workload-lifecycle';
import { WorkloadLifecycle } from './workload-lifecycle.service';
import { WorkloadRow } from './workload.store';

/** The name of a workload's pod of this rank: `<workload>-<rank>` (a single-node Job's one pod is rank 0). */
function expectedPodName(workload: Pick<WorkloadRow, 'name'>, rank: number): string {
  return `${workload.name}-${rank}`;
}

function podRank(pod: V1Pod): number {
  return Number(pod.metadata?.labels?.[WorkloadLabels.rank] ?? -1);
}

/**
 * Turns what Kubernetes shows of Gridex pods into workload lifecycle events. One informer watches every pod
 * labelled as this cluster's Gridex work in all namespaces (several orchestrators may share an API server); each change re-evaluates its workload (one evaluation at a time per
 * workload, in order). Node deletions re-evaluate the workloads on the lost node at once, without waiting for
 * Kubernetes to garbage-collect their pods.
 *
 * At start, after the informer's first list, it reconciles: every launched workload is evaluated (lifecycle
 * changes missed while the orchestrator was down are derived from the pods and reported now), pods that belong
 * to no active workload are deleted (orphans), and finished workloads whose objects remain are cleaned up.
 */
@Injectable()
export class WorkloadWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkloadWatcherService.name);
  private informer?: Informer<V1Pod> & ObjectCache<V1Pod>;
  /**
   * The informer's pods by workload, kept from its events: an evaluation reads its workload's pods without
   * scanning every pod in the cache (which made a busy cluster's evaluations quadratic).
   */
  private readonly podsByWorkload = new Map<string, Map<string, V1Pod>>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Pods that disappeared without the orchestrator deleting them, by workload. */
  private readonly vanished = new Map<string, Map<string, string | undefined>>();
  private stopped = false;
  private readonly ownPods: string;

  constructor(
    @Inject(KubeConfig) private readonly kubeConfig: KubeConfig,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
    @Inject(KubeCalls) private readonly kube: KubeCalls,
    @Inject(WorkloadLifecycle) private readonly workloads: WorkloadLifecycle,
    @Inject(NodeSyncService) private readonly nodes: NodeSyncService,
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
  ) {
    this.ownPods = ownPodsSelector(config.CLUSTER_ID);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.informer = makeInformer(
      this.kubeConfig,
      '/api/v1/pods',
      () => this.core.listPodForAllNamespaces({ labelSelector: this.ownPods }),
      this.ownPods,
    );
    const changed = (pod: V1Pod) => {
      const workloadId = pod.metadata?.labels?.[WorkloadLabels.workloadId];
      if (!workloadId) return;
      const pods = this.podsByWorkload.get(workloadId) ?? new Map<string, V1Pod>();
      pods.set(pod.metadata?.name ?? '', pod);
      this.podsByWorkload.set(workloadId, pods);
      this.enqueue(workloadId);
    };
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', (pod) => {
      const workloadId = pod.metadata?.labels?.[WorkloadLabels.workloadId];
      if (!workloadId) return;
      const pods = this.podsByWorkload.get(workloadId);
      pods?.delete(pod.metadata?.name ?? '');
      if (pods?.size === 0) this.podsByWorkload.delete(workloadId);
      const gone = this.vanished.get(workloadId) ?? new Map<string, string | undefined>();
      gone.set(pod.metadata?.name ?? '', pod.spec?.nodeName);
      this.vanished.set(workloadId, gone);
      this.enqueue(workloadId);
    });
    this.informer.on('error', (error) => {
      if (this.stopped) return;
      this.logger.warn(`pod watch failed, restarting in 2 s: ${String(error)}`);
      setTimeout(() => void this.informer?.start().catch(() => undefined), 2000);
    });
    this.nodes.onNodeLost((nodeName) => {
      for (const pod of this.informer?.list() ?? []) {
        if (pod.spec?.nodeName === nodeName) this.enqueue(pod.metadata?.labels?.[WorkloadLabels.workloadId]);
      }
    });
    await this.informer.start();
    await this.reconcile();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
    await Promise.all(this.queues.values());
  }

  private async reconcile(): Promise<void> {
    // Listed here rather than read from the informer: an informer whose first list failed starts empty and
    // only says so through its error event, and an empty view would make every running workload look lost.
    const { items: pods } = await this.kube.run('list pods', () =>
      this.core.listPodForAllNamespaces({ labelSelector: this.ownPods }),
    );
    const byWorkload = new Map<string, V1Pod[]>();
    for (const pod of pods) {
      const id = pod.metadata?.labels?.[WorkloadLabels.workloadId];
      if (id) byWorkload.set(id, [...(byWorkload.get(id) ?? []), pod]);
    }
    const active = await this.workloads.launched();
    for (const workload of active) {
      const present = byWorkload.get(workload.workload_id) ?? [];
      // Pods that should exist but do not: a workload's pods are created before its row commits.
      if (present.length < workload.pod_count) {
        const gone = new Map<string, string | undefined>();
        workload.allocations.forEach((a, rank) => gone.set(expectedPodName(workload, rank), a.nodeName));
        for (const pod of present) gone.delete(expectedPodName(workload, podRank(pod)));
        this.vanished.set(workload.workload_id, gone);
      }
      this.enqueue(workload.workload_id);
    }
    const known = await this.workloads.launchedAmong([...byWorkload.keys()]);
    for (const [workloadId, orphans] of byWorkload) {
      if (known.has(workloadId)) continue;
      for (const pod of orphans) {
        const { name = '', namespace = '' } = pod.metadata ?? {};
        this.logger.warn(`deleting pod ${namespace}/${name}: it belongs to no active workload`);
        await this.kube.delete('delete orphan pod', () =>
          this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }),
        );
      }
    }
    for (const workload of await this.workloads.uncleaned()) {
      await this.workloads.cleanUp(workload, 0);
    }
    this.logger.log(`reconciled ${active.length} active workloads, ${pods.length} pods`);
  }

  /**
   * Evaluates these workloads again if their pods have been seen: a workload's pods are created before its
   * row commits, so their first changes may have been evaluated while the row could not be read yet, and a pod
   * that is already running changes no more until it ends.
   */
  revisit(workloadIds: Iterable<string>): void {
    for (const workloadId of workloadIds) {
      if (this.podsByWorkload.has(workloadId) || this.vanished.has(workloadId)) this.enqueue(workloadId);
    }
  }

  private enqueue(workloadId: string | undefined): void {
    if (!workloadId || this.stopped) return;
    const previous = this.queues.get(workloadId) ?? Promise.resolve();
    const next = previous
      .then(() => this.evaluate(workloadId))
      .catch((error: unknown) => this.logger.error(`workload ${workloadId}: ${String(error)}`));
    this.queues.set(workloadId, next);
    void next.then(() => {
      if (this.queues.get(workloadId) === next) this.queues.delete(workloadId);
    });
  }

  /**
   * Which of these nodes are lost: not Ready for longer than the grace period, or gone from the cluster. The
   * watch cache says which nodes to doubt (it may lag behind, or not be filled yet right after a start); the API
   * server confirms (404) before a missing node counts as lost.
   */
  private async lostNodes(names: Array<string | undefined>): Promise<Set<string>> {
    const lost = new Set<string>();
    for (const name of new Set(names)) {
      if (name === undefined) continue;
      const cached = this.nodes.cachedNode(name);
      if (cached) {
        if (this.nodes.lostWhileNotReady(cached)) lost.add(name);
        continue;
      }
      const exists = await this.kube
        .run('read node', () => this.core.readNode({ name }))
        .then(() => true)
        .catch((error: unknown) => {
          if (apiStatus(error) === 404) return false;
          throw error;
        });
      if (!exists) lost.add(name);
    }
    return lost;
  }

  private async evaluate(workloadId: string): Promise<void> {
    const pods = [...(this.podsByWorkload.get(workloadId)?.values() ?? [])].filter(
      (pod) => pod.metadata?.deletionTimestamp === undefined,
    );
    const views = pods.map(podView).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    const vanished = [...(this.vanished.get(workloadId) ?? new Map()).entries()]
      .filter(([name]) => !views.some((view) => view.name === name))
      .map(([name, nodeName]) => ({ name, nodeName }));
    const lostNodes = await this.lostNodes([
      ...views.map((v) => v.nodeName),
      ...vanished.map((v) => v.nodeName),
    ]);
    const row = await this.workloads.observe(
      workloadId,
      (podCount) => workloadStatus(podCount, views, vanished, lostNodes, new Date()),
      views.filter((v) => v.nodeName).map((v) => ({ name: v.name, nodeName: v.nodeName as string })),
    );
    if (row && !(LIVE_STATES as readonly string[]).includes(row.state)) {
      this.vanished.delete(workloadId);
      if (!row.cleaned_up) await this.workloads.cleanUp(row, 0);
    }
  }
}
