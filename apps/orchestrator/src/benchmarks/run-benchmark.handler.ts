import { Inject, Injectable } from '@nestjs/common';
import { CoreV1Api } from '@kubernetes/client-node';
import { EntityManager } from 'typeorm';
import {
  BenchmarkCompleted,
  causedBy,
  createEvent,
  EventEnvelope,
  VerificationRequested,
  VerificationRequestedPayload,
} from '@gridex/contracts';
import { EventHandler, OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { apiStatus } from '../kubernetes/kubernetes-client';
import { benchmarkPod, benchmarkPodName, SIMULATED_SCORE_ANNOTATION } from './benchmark-pod';

/**
 * Starts the verification benchmark inventory asked for, pinned to the node. The pod name is derived from the
 * verification id, so a redelivered request finds its pod instead of starting a second one.
 */
@Injectable()
@ConsumesEvents()
export class RunBenchmarkHandler implements EventHandler<VerificationRequestedPayload> {
  readonly name = 'orchestrator.run-benchmark';
  readonly contract = VerificationRequested;
  private readonly table: string;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
    @Inject(CoreV1Api) private readonly core: CoreV1Api,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'benchmarks');
  }

  async handle(event: EventEnvelope<VerificationRequestedPayload>, tx: EntityManager): Promise<void> {
    const request = event.payload;
    if (request.clusterId !== this.config.CLUSTER_ID) return; // another cluster's orchestrator runs it
    const node = await this.core.readNode({ name: request.nodeName }).catch((error: unknown) => {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    });
    if (!node) {
      const result = createEvent(
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
      await this.outbox.append(tx, [{ contract: BenchmarkCompleted, event: result }]);
      return;
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
    if (inserted.length === 0) return;
    await this.ensureNamespace();
    const pod = benchmarkPod(request, {
      namespace: this.config.SYSTEM_NAMESPACE,
      image: this.config.BENCHMARK_IMAGE,
      simulatedScore: node.metadata?.annotations?.[SIMULATED_SCORE_ANNOTATION],
    });
    await this.core
      .createNamespacedPod({ namespace: this.config.SYSTEM_NAMESPACE, body: pod })
      .catch((error: unknown) => {
        if (apiStatus(error) !== 409) throw error;
      });
  }

  private async ensureNamespace(): Promise<void> {
    await this.core
      .createNamespace({
        body: { metadata: { name: this.config.SYSTEM_NAMESPACE, labels: { 'gridex.io/system': 'true' } } },
      })
      .catch((error: unknown) => {
        if (apiStatus(error) !== 409) throw error;
      });
  }
}
