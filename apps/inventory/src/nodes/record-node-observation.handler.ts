import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  NodeObserved,
  NodeObservedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { qualified } from '@gridex/persistence';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryConfig } from '../config/inventory.config';
import { VerificationRequestsService } from '../verification/verification-requests.service';

/** Merges what the orchestrator saw of a node into inventory's record and republishes the node's capacity. */
@Injectable()
@ConsumesEvents()
export class RecordNodeObservationHandler implements EventHandler<NodeObservedPayload> {
  readonly name = 'inventory.record-node-observation';
  readonly contract = NodeObserved;
  private readonly table: (name: string) => string;

  constructor(
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
    @Inject(VerificationRequestsService) private readonly verifications: VerificationRequestsService,
  ) {
    this.table = (name) => qualified(config.DATABASE_SCHEMA, name);
  }

  async handle(event: EventEnvelope<NodeObservedPayload>, tx: EntityManager): Promise<void> {
    const node = event.payload;
    const nodeId = deterministicUuid(IdNamespaces.node, node.clusterId, node.nodeName);
    const removed = node.observation === 'removed';
    const ready = node.ready && !removed;
    const [previous] = await tx.query(
      `SELECT ready, removed FROM ${this.table('nodes')} WHERE node_id = $1 FOR UPDATE`,
      [nodeId],
    );
    await tx.query(
      `INSERT INTO ${this.table('nodes')} (node_id, cluster_id, node_name, supplier_id, pool, region, gpu_product,
         gpu_count, gpu_memory_mib, interconnect, cpu_millis, memory_mib, ready, allocatable_gpus, removed, revision,
         first_seen_at, observed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, $16)
       ON CONFLICT (node_id) DO UPDATE SET supplier_id = $4, pool = $5, region = $6, gpu_product = $7, gpu_count = $8,
         gpu_memory_mib = $9, interconnect = $10, cpu_millis = $11, memory_mib = $12, ready = $13,
         allocatable_gpus = $14, removed = $15, observed_at = $16`,
      [
        nodeId,
        node.clusterId,
        node.nodeName,
        node.supplierId,
        node.pool,
        node.region,
        node.gpuProduct,
        node.capacity.gpus,
        node.gpuMemoryMiB,
        node.interconnect,
        node.capacity.cpuMillis,
        node.capacity.memoryMiB,
        ready,
        removed ? 0 : node.allocatable.gpus,
        removed,
        node.observedAt,
      ],
    );
    if (!previous || previous.ready !== ready || previous.removed !== removed) {
      await tx.query(`INSERT INTO ${this.table('node_readiness')} (node_id, at, ready) VALUES ($1, $2, $3)`, [
        nodeId,
        node.observedAt,
        ready,
      ]);
    }
    await tx.query(
      `INSERT INTO ${this.table('pools')} (supplier_id, pool) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [node.supplierId, node.pool],
    );
    await this.feed.publish(tx, [nodeId], causedBy(event));
    // A node that appears (or comes back) is benchmarked before it can count as verified.
    if (!removed && (!previous || previous.removed)) {
      await this.verifications.request(tx, nodeId, causedBy(event), new Date(node.observedAt));
    }
  }
}
