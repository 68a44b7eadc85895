import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { deterministicUuid, EventOrigin, IdNamespaces, VerificationRequested } from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { InventoryConfig } from '../config/inventory.config';
import { InventoryTables } from '../database/inventory-tables';

/**
 * Asks for node benchmarks: when a node appears, and again when its last verification is older than
 * REVERIFY_AFTER_HOURS (a sweep every REVERIFY_SWEEP_SECONDS). A node never has two requests pending.
 */
@Injectable()
export class VerificationRequestsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VerificationRequestsService.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

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

  /** Requests a benchmark for each node within `tx`, except nodes with one already pending. */
  async request(
    tx: EntityManager,
    nodeIds: string[],
    originFor: (nodeId: string) => EventOrigin,
    now = new Date(),
  ): Promise<void> {
    if (nodeIds.length === 0) return;
    const verifications = this.tables.verifications;
    const nodes: Array<{
      node_id: string;
      cluster_id: string;
      node_name: string;
      gpu_product: string;
      gpu_count: number;
      sequence: number;
    }> = await tx.query(
      `SELECT n.node_id, n.cluster_id, n.node_name, n.gpu_product, n.gpu_count,
              coalesce((SELECT max(v.sequence) FROM ${verifications} v WHERE v.node_id = n.node_id), 0)::int AS sequence
       FROM ${this.tables.nodes} n
       WHERE n.node_id = ANY($1::uuid[]) AND NOT n.removed AND n.gpu_count > 0
         AND NOT EXISTS (SELECT 1 FROM ${verifications} v WHERE v.node_id = n.node_id AND v.status = 'pending')`,
      [nodeIds],
    );
    if (nodes.length === 0) return;
    const requests = nodes.map((node) => ({
      verificationId: deterministicUuid(IdNamespaces.verification, node.node_id, node.sequence + 1),
      node,
    }));
    await tx.query(
      `INSERT INTO ${verifications} (verification_id, node_id, sequence, status, requested_at)
       SELECT id, node_id, sequence, 'pending', $2 FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, node_id uuid, sequence int)`,
      [
        JSON.stringify(
          requests.map(({ verificationId, node }) => ({
            id: verificationId,
            node_id: node.node_id,
            sequence: node.sequence + 1,
          })),
        ),
        now,
      ],
    );
    await this.outbox.emitAll(
      tx,
      VerificationRequested,
      requests.map(({ verificationId, node }) => ({
        payload: {
          verificationId,
          nodeId: node.node_id,
          clusterId: node.cluster_id,
          nodeName: node.node_name,
          gpuProduct: node.gpu_product,
          gpuCount: node.gpu_count,
          requestedAt: now.toISOString(),
        },
        origin: originFor(node.node_id),
      })),
      now,
    );
  }

  private async sweep(): Promise<void> {
    const due: Array<{ node_id: string }> = await this.dataSource.query(
      `SELECT node_id FROM ${this.tables.nodes}
       WHERE NOT removed AND verified_at < now() - make_interval(hours => $1) LIMIT 500`,
      [this.config.REVERIFY_AFTER_HOURS],
    );
    if (due.length === 0) return;
    await this.dataSource.transaction((tx) =>
      this.request(
        tx,
        due.map((row) => row.node_id),
        (nodeId) => ({ correlationId: `reverify:${nodeId}`, causationId: null }),
      ),
    );
  }
}
