import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  deterministicUuid,
  EventEnvelope,
  EventOrigin,
  IdNamespaces,
  NodeObserved,
  NodeObservedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';
import { VerificationRequestsService } from '../verification/verification-requests.service';

interface NodeState {
  ready: boolean;
  removed: boolean;
}

/**
 * Merges what the orchestrator saw of nodes into inventory's records and republishes their capacity. Works on a
 * whole batch with set-based statements (a resync brings thousands of nodes at once); a single event is a batch
 * of one. Every readiness change is kept for reliability; the feed gets each node's final state.
 */
@Injectable()
@ConsumesEvents()
export class RecordNodeObservationHandler implements EventHandler<NodeObservedPayload> {
  readonly name = 'inventory.record-node-observation';
  readonly contract = NodeObserved;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
    @Inject(VerificationRequestsService) private readonly verifications: VerificationRequestsService,
  ) {}

  handle(event: EventEnvelope<NodeObservedPayload>, tx: EntityManager): Promise<void> {
    return this.handleBatch([event], tx);
  }

  async handleBatch(
    events: ReadonlyArray<EventEnvelope<NodeObservedPayload>>,
    tx: EntityManager,
  ): Promise<void> {
    const nodeIdOf = (node: NodeObservedPayload) =>
      deterministicUuid(IdNamespaces.node, node.clusterId, node.nodeName);
    const ids = [...new Set(events.map((event) => nodeIdOf(event.payload)))];
    const previousRows: Array<{ node_id: string } & NodeState> = await tx.query(
      `SELECT node_id, ready, removed FROM ${this.tables.nodes} WHERE node_id = ANY($1::uuid[]) ORDER BY node_id FOR UPDATE`,
      [ids],
    );
    const states = new Map<string, NodeState | undefined>(previousRows.map((row) => [row.node_id, row]));
    const appeared = new Set<string>();
    const transitions: Array<{ node_id: string; at: string; ready: boolean }> = [];
    const last = new Map<string, { node: NodeObservedPayload; origin: EventOrigin; state: NodeState }>();
    for (const event of events) {
      const node = event.payload;
      const nodeId = nodeIdOf(node);
      const removed = node.observation === 'removed';
      const state = { ready: node.ready && !removed, removed };
      const previous = states.get(nodeId);
      if (!previous || previous.ready !== state.ready || previous.removed !== state.removed) {
        transitions.push({ node_id: nodeId, at: node.observedAt, ready: state.ready });
      }
      if (!removed && (!previous || previous.removed)) appeared.add(nodeId);
      if (removed) appeared.delete(nodeId);
      states.set(nodeId, state);
      last.set(nodeId, { node, origin: causedBy(event), state });
    }

    await tx.query(
      `INSERT INTO ${this.tables.nodes} (node_id, cluster_id, node_name, supplier_id, pool, region, gpu_product,
         gpu_count, gpu_memory_mib, interconnect, cpu_millis, memory_mib, ready, allocatable_gpus, removed, revision,
         first_seen_at, observed_at)
       SELECT node_id, cluster_id, node_name, supplier_id, pool, region, gpu_product, gpu_count, gpu_memory_mib,
              interconnect, cpu_millis, memory_mib, ready, allocatable_gpus, removed, 0, observed_at, observed_at
       FROM jsonb_to_recordset($1::jsonb) AS n(node_id uuid, cluster_id text, node_name text, supplier_id text,
         pool text, region text, gpu_product text, gpu_count int, gpu_memory_mib int, interconnect text,
         cpu_millis bigint, memory_mib bigint, ready boolean, allocatable_gpus int, removed boolean,
         observed_at timestamptz)
       ON CONFLICT (node_id) DO UPDATE SET supplier_id = excluded.supplier_id, pool = excluded.pool,
         region = excluded.region, gpu_product = excluded.gpu_product, gpu_count = excluded.gpu_count,
         gpu_memory_mib = excluded.gpu_memory_mib, interconnect = excluded.interconnect,
         cpu_millis = excluded.cpu_millis, memory_mib = excluded.memory_mib, ready = excluded.ready,
         allocatable_gpus = excluded.allocatable_gpus, removed = excluded.removed, observed_at = excluded.observed_at`,
      [
        JSON.stringify(
          [...last].map(([nodeId, { node, state }]) => ({
            node_id: nodeId,
            cluster_id: node.clusterId,
            node_name: node.nodeName,
            supplier_id: node.supplierId,
            pool: node.pool,
            region: node.region,
            gpu_product: node.gpuProduct,
            gpu_count: node.capacity.gpus,
            gpu_memory_mib: node.gpuMemoryMiB,
            interconnect: node.interconnect,
            cpu_millis: node.capacity.cpuMillis,
            memory_mib: node.capacity.memoryMiB,
            ready: state.ready,
            allocatable_gpus: state.removed ? 0 : node.allocatable.gpus,
            removed: state.removed,
            observed_at: node.observedAt,
          })),
        ),
      ],
    );
    if (transitions.length > 0) {
      await tx.query(
        `INSERT INTO ${this.tables.nodeReadiness} (node_id, at, ready)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(node_id uuid, at timestamptz, ready boolean)`,
        [JSON.stringify(transitions)],
      );
    }
    await tx.query(
      `INSERT INTO ${this.tables.pools} (supplier_id, pool)
       SELECT DISTINCT * FROM jsonb_to_recordset($1::jsonb) AS p(supplier_id text, pool text) ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(
          [...last.values()].map(({ node }) => ({ supplier_id: node.supplierId, pool: node.pool })),
        ),
      ],
    );
    const originFor = (nodeId: string) =>
      last.get(nodeId)?.origin ?? { correlationId: nodeId, causationId: null };
    await this.feed.publish(tx, [...last.keys()], originFor);
    // A node that appears (or comes back) is benchmarked before it can count as verified.
    await this.verifications.request(tx, [...appeared], originFor);
  }
}
