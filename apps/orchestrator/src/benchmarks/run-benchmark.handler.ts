import { Inject, Injectable } from '@nestjs/common';
import { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import { EntityManager } from 'typeorm';
import {
  BenchmarkCompleted,
  causedBy,
  EventEnvelope,
  VerificationRequested,
  VerificationRequestedPayload,
} from '@gridex/contracts';
import { EventHandler, OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { ConsumesEvents, mapWithConcurrency, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { apiStatus } from '../kubernetes/kubernetes-client';
import { KubeCalls } from '../kubernetes/kube-calls';
import { NodeSyncService } from '../node-sync/node-sync.service';
import { benchmarkPod, benchmarkPodName, SIMULATED_SCORE_ANNOTATION } from './benchmark-pod';

/** Benchmark pods of one batch created at the same time. */
const LAUNCH_CONCURRENCY = 16;

/**
 * Starts the verification benchmarks inventory asked for, each pinned to its node. The pod name is derived from
 * the verification id, so a redelivered request finds its pod instead of starting a second one.
 *
 * A batch is recorded row by row on its transaction, then its pods are created side by side: a new supplier's
 * fleet asks for thousands of verifications at once, and one API call after another (inside one transaction)
 * kept their records uncommitted for minutes while the pods had long finished.
 */
@Injectable()
@ConsumesEvents()
export class RunBenchmarkHandler implements EventHandler<VerificationRequestedPayload> {
  readonly name = 'orchestrator.run-benchmark';
  readonly contract = VerificationRequested;
  private readonly table: string;
  private namespaceEnsured = false;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
    @Inject(KubeCalls) private readonly kube: KubeCalls,
    @Inject(NodeSyncService) private readonly nodes: NodeSyncService,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'benchmarks');
  }

  async handle(event: EventEnvelope<VerificationRequestedPayload>, tx: EntityManager): Promise<void> {
    await this.handleBatch([event], tx);
  }

  async handleBatch(
    events: ReadonlyArray<EventEnvelope<VerificationRequestedPayload>>,
    tx: EntityManager,
  ): Promise<void> {
    const pods: V1Pod[] = [];
    for (const event of events) {
      const pod = await this.record(event, tx);
      if (pod) pods.push(pod);
    }
    if (pods.length === 0) return;
    await this.ensureNamespace();
    const create = (pod: V1Pod) =>
      this.kube.create('create benchmark pod', () =>
        this.core.createNamespacedPod({ namespace: this.config.SYSTEM_NAMESPACE, body: pod }),
      );
    await mapWithConcurrency(pods, LAUNCH_CONCURRENCY, (pod) =>
      create(pod).catch(async (error: unknown) => {
        if (apiStatus(error) !== 404) throw error;
        // Someone deleted the namespace since this process made it: make it again.
        this.namespaceEnsured = false;
        await this.ensureNamespace();
        await create(pod);
      }),
    );
  }

  /** Records the request; returns the pod to start, or nothing (another cluster's, a repeat, a node gone). */
  private async record(
    event: EventEnvelope<VerificationRequestedPayload>,
    tx: EntityManager,
  ): Promise<V1Pod | undefined> {
    const request = event.payload;
    if (request.clusterId !== this.config.CLUSTER_ID) return undefined; // another cluster's orchestrator
    const node = await this.node(request.nodeName);
    if (!node) {
      await this.outbox.emit(
        tx,
        BenchmarkCompleted,
        {
          verificationId: request.verificationId,
          nodeId: request.nodeId,
          clusterId: request.clusterId,
          nodeName: request.nodeName,
          outcome: 'failed',
          detail: 'the node is no longer in the cluster',
          completedAt: new Date().toISOString(),
        },
        causedBy(event),
      );
      return undefined;
    }
    const inserted = await tx.query(
      `INSERT INTO ${this.table} (verification_id, node_id, cluster_id, node_name, pod_name, status, requested_at)
       VALUES ($1, $2, $3, $4, $5, 'running', $6) ON CONFLICT (verification_id) DO NOTHING RETURNING verification_id`,
      [
        request.verificationId,
        request.nodeId,
        request.clusterId,
        request.nodeName,
        benchmarkPodName(request.verificationId),
        request.requestedAt,
      ],
    );
    if (inserted.length === 0) return undefined;
    return benchmarkPod(request, {
      namespace: this.config.SYSTEM_NAMESPACE,
      image: this.config.BENCHMARK_IMAGE,
      simulatedScore: node.metadata?.annotations?.[SIMULATED_SCORE_ANNOTATION],
    });
  }

  /** The node from the watch cache, or from the API server when the cache has not seen it (yet). */
  private async node(name: string): Promise<V1Node | undefined> {
    const cached = this.nodes.cachedNode(name);
    if (cached) return cached;
    return this.kube
      .run('read node', () => this.core.readNode({ name }))
      .catch((error: unknown) => {
        if (apiStatus(error) === 404) return undefined;
        throw error;
      });
  }

  /** Once per process (and again if it was deleted): the orchestrator never deletes it. */
  private async ensureNamespace(): Promise<void> {
    if (this.namespaceEnsured) return;
    await this.kube.create('create system namespace', () =>
      this.core.createNamespace({
        body: { metadata: { name: this.config.SYSTEM_NAMESPACE, labels: { 'gridex.io/system': 'true' } } },
      }),
    );
    this.namespaceEnsured = true;
  }
}
