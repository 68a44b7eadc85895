import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  createEvent,
  deterministicUuid,
  EventOrigin,
  IdNamespaces,
  VerificationRequested,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { InventoryConfig } from '../config/inventory.config';

/**
 * Asks for node benchmarks: when a node appears, and again when its last verification is older than
 * REVERIFY_AFTER_HOURS (a sweep every REVERIFY_SWEEP_SECONDS). A node never has two requests pending.
 */
@Injectable()
export class VerificationRequestsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VerificationRequestsService.name);
  private readonly table: (name: string) => string;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.table = (name) => qualified(config.DATABASE_SCHEMA, name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: unknown) => this.logger.warn(`re-verification sweep failed: ${String(error)}`))
        .finally(() => (this.sweeping = undefined));
    }, this.config.REVERIFY_SWEEP_SECONDS * 1000);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Requests a benchmark for the node within `tx`, unless one is already pending. */
  async request(tx: EntityManager, nodeId: string, origin: EventOrigin, now = new Date()): Promise<void> {
    const [node] = await tx.query(
      `SELECT cluster_id, node_name, gpu_product, gpu_count FROM ${this.table('nodes')} WHERE node_id = $1 AND NOT removed`,
      [nodeId],
    );
    if (!node || node.gpu_count < 1) return;
    const [{ pending, sequence }] = await tx.query(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, coalesce(max(sequence), 0)::int AS sequence
       FROM ${this.table('verifications')} WHERE node_id = $1`,
      [nodeId],
    );
    if (pending > 0) return;
    const verificationId = deterministicUuid(IdNamespaces.verification, nodeId, sequence + 1);
    await tx.query(
      `INSERT INTO ${this.table('verifications')} (verification_id, node_id, sequence, status, requested_at)
       VALUES ($1, $2, $3, 'pending', $4)`,
      [verificationId, nodeId, sequence + 1, now],
    );
    const event = createEvent(
      VerificationRequested,
      {
        verificationId,
        nodeId,
        clusterId: node.cluster_id,
        nodeName: node.node_name,
        gpuProduct: node.gpu_product,
        gpuCount: node.gpu_count,
        requestedAt: now.toISOString(),
      },
      origin,
      now,
    );
    await this.outbox.append(tx, [{ contract: VerificationRequested, event }]);
  }

  private async sweep(): Promise<void> {
    const due: Array<{ node_id: string }> = await this.dataSource.query(
      `SELECT node_id FROM ${this.table('nodes')}
       WHERE NOT removed AND verified_at < now() - make_interval(hours => $1) LIMIT 500`,
      [this.config.REVERIFY_AFTER_HOURS],
    );
    for (const { node_id: nodeId } of due) {
      await this.dataSource.transaction((tx) =>
        this.request(tx, nodeId, { correlationId: `reverify:${nodeId}`, causationId: null }),
      );
    }
  }
}
