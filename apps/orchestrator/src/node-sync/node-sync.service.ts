import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CoreV1Api, Informer, KubeConfig, makeInformer, ObjectCache, V1Node } from '@kubernetes/client-node';
import { DataSource } from 'typeorm';
import { NodeObserved } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { lostWhileNotReady, notReadySince, untilLost } from '../domain/node-readiness';
import { fingerprintOf, GpuNodeFacts, observationFor, readGpuNode, ReportedNode } from './gpu-node-facts';

/**
 * Watches the cluster's GPU nodes (an informer: list, then watch, relisting on errors) and reports every change
 * that matters to supply as `node-observed`, through the outbox in the same transaction that records what was
 * reported. A restart or relist re-reads every node but reports only what changed since the last report.
 *
 * It also says when a node is lost for the work on it: when it leaves the cluster, or when it has not been Ready
 * for NODE_LOST_AFTER_NOT_READY_SECONDS (`domain/node-readiness.ts`); a timer per NotReady node fires then.
 */
@Injectable()
export class NodeSyncService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NodeSyncService.name);
  private readonly table: string;
  private informer?: Informer<V1Node> & ObjectCache<V1Node>;
  /** One queue per node, so the reports of a node are written in the order Kubernetes showed them. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopped = false;
  private readonly lostListeners: Array<(nodeName: string) => void> = [];
  /** Per NotReady node: the timer that announces it lost once the grace period has passed. */
  private readonly lostTimers = new Map<string, NodeJS.Timeout>();
  private readonly reported;
  private readonly invalid;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
    @Inject(KubeConfig) private readonly kubeConfig: KubeConfig,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'reported_nodes');
    this.reported = metrics.counter('node_observations_total', 'Node changes reported, by observation', [
      'observation',
    ]);
    this.invalid = metrics.counter(
      'node_contract_violations_total',
      'Node updates ignored because the node breaks the GPU node-pool contract (see its problems in the log)',
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const selector = this.config.GPU_NODE_SELECTOR;
    this.informer = makeInformer(
      this.kubeConfig,
      '/api/v1/nodes',
      () => this.core.listNode({ labelSelector: selector }),
      selector,
    );
    this.informer.on('add', (node) => this.changed(node));
    this.informer.on('update', (node) => this.changed(node));
    this.informer.on('delete', (node) => {
      this.enqueue(node, true);
      this.clearLostTimer(node.metadata?.name ?? '');
      this.announceLost(node.metadata?.name ?? '');
    });
    this.informer.on('error', (error) => {
      if (this.stopped) return;
      this.logger.warn(`node watch failed, restarting in 2 s: ${String(error)}`);
      setTimeout(() => void this.informer?.start().catch(() => undefined), 2000);
    });
    await this.informer.start();
    this.logger.log(`watching nodes (${selector}) of cluster ${this.config.CLUSTER_ID}`);
  }

  /**
   * Called with the name of every GPU node that is lost for the work on it: it left the cluster, or it has not
   * been Ready for the grace period.
   */
  onNodeLost(listener: (nodeName: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Whether a node the watch cache holds has not been Ready for longer than the grace period. */
  lostWhileNotReady(node: V1Node, now = new Date()): boolean {
    return lostWhileNotReady(notReadySince(node.status?.conditions), now, this.graceMs());
  }

  /** The GPU node of this name as the watch cache has it (which may lag behind the API server). */
  cachedNode(name: string): V1Node | undefined {
    return this.informer?.get(name);
  }

  /** Stops watching and lets the reports in progress commit (before the outbox is flushed and the database closed). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const timer of this.lostTimers.values()) clearTimeout(timer);
    this.lostTimers.clear();
    await this.informer?.stop();
    await Promise.all(this.queues.values());
  }

  private graceMs(): number {
    return this.config.NODE_LOST_AFTER_NOT_READY_SECONDS * 1000;
  }

  /** A node was added or changed: report it, and (re)arm or clear the timer of its readiness. */
  private changed(node: V1Node): void {
    this.enqueue(node, false);
    const name = node.metadata?.name ?? '';
    this.clearLostTimer(name);
    const wait = untilLost(notReadySince(node.status?.conditions), new Date(), this.graceMs());
    if (wait === undefined || this.stopped) return;
    // A little after the grace period, so the node is lost by the time its workloads are evaluated.
    this.lostTimers.set(
      name,
      setTimeout(() => {
        this.lostTimers.delete(name);
        const cached = this.cachedNode(name);
        if (cached && this.lostWhileNotReady(cached)) {
          this.logger.warn(`node ${name} has not been Ready for the grace period: its work is lost`);
          this.announceLost(name);
        }
      }, wait + 250),
    );
  }

  private clearLostTimer(name: string): void {
    clearTimeout(this.lostTimers.get(name));
    this.lostTimers.delete(name);
  }

  private announceLost(name: string): void {
    for (const listener of this.lostListeners) listener(name);
  }

  private enqueue(node: V1Node, deleted: boolean): void {
    const name = node.metadata?.name;
    if (!name || this.stopped) return;
    const previous = this.queues.get(name) ?? Promise.resolve();
    const next = previous
      .then(() => this.report(node, deleted))
      .catch((error: unknown) => this.logger.error(`reporting node ${name} failed: ${String(error)}`));
    this.queues.set(name, next);
    void next.then(() => {
      if (this.queues.get(name) === next) this.queues.delete(name);
    });
  }

  private async report(node: V1Node, deleted: boolean): Promise<void> {
    const nodeName = node.metadata?.name as string;
    const read = deleted ? undefined : readGpuNode(node);
    if (read && !read.ok) {
      this.invalid.inc();
      this.logger.warn(
        `node ${nodeName} breaks the GPU node-pool contract and is not offered: ${read.problems.join('; ')}`,
      );
    }
    await this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT fingerprint, ready, removed FROM ${this.table} WHERE cluster_id = $1 AND node_name = $2 FOR UPDATE`,
        [this.config.CLUSTER_ID, nodeName],
      );
      const previous: ReportedNode | undefined = row?.fingerprint ? row : undefined;
      // A node that breaks the contract is reported as removed: whatever was sold of it must stop being sold.
      const facts: GpuNodeFacts | undefined = read?.ok ? read.facts : undefined;
      const observation = observationFor(previous, facts);
      if (observation === undefined) return;
      const last = facts ?? previousFactsOf(row);
      if (last === undefined) return;
      await tx.query(
        `INSERT INTO ${this.table} (cluster_id, node_name, fingerprint, ready, removed, resource_version, problems, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (cluster_id, node_name) DO UPDATE SET fingerprint = $3, ready = $4, removed = $5,
           resource_version = $6, problems = $7, updated_at = now()`,
        [
          this.config.CLUSTER_ID,
          nodeName,
          fingerprintOf(last),
          facts?.ready ?? false,
          facts === undefined,
          node.metadata?.resourceVersion ?? last.resourceVersion,
          read && !read.ok ? read.problems : null,
        ],
      );
      const { nodeName: _name, resourceVersion: _rv, ...described } = last;
      await this.outbox.emit(
        tx,
        NodeObserved,
        {
          clusterId: this.config.CLUSTER_ID,
          nodeName,
          observation,
          observedAt: new Date().toISOString(),
          resourceVersion: node.metadata?.resourceVersion ?? last.resourceVersion,
          ...described,
          ready: facts?.ready ?? false,
        },
        { correlationId: `node-sync:${this.config.CLUSTER_ID}:${nodeName}`, causationId: null },
      );
      this.reported.inc({ observation });
    });
  }
}

/** The facts last reported for a node, recovered from its fingerprint (used to describe a removal). */
function previousFactsOf(row: { fingerprint?: string } | undefined): GpuNodeFacts | undefined {
  if (!row?.fingerprint) return undefined;
  return {
    ...(JSON.parse(row.fingerprint) as Omit<GpuNodeFacts, 'resourceVersion' | 'ready'>),
    resourceVersion: '0',
    ready: false,
  };
}
