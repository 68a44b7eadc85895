import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  CapacityChangedPayload,
  causedBy,
  EventEnvelope,
  NetworkOffersObserved,
  NetworkOffersObservedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';
import { networkCapacityChanges, networkClusterId, networkSupplierId } from '../domain/network-capacity';

/**
 * Turns the orchestrator's reading of another network's offers into capacity on the feed (the rules are
 * `domain/network-capacity.ts`). The capacity book holds what was last published for each of the network's
 * nodes, so only what changed is published again.
 */
@Injectable()
@ConsumesEvents()
export class RecordNetworkOffersHandler implements EventHandler<NetworkOffersObservedPayload> {
  readonly name = 'inventory.record-network-offers';
  readonly contract = NetworkOffersObserved;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
  ) {}

  async handle(event: EventEnvelope<NetworkOffersObservedPayload>, tx: EntityManager): Promise<void> {
    const observation = event.payload;
    // One row per network, taken in order: an observation older than the one applied changes nothing.
    const newer: unknown[] = await tx.query(
      `INSERT INTO ${this.tables.networkObservations} (network_id, observed_at) VALUES ($1, $2)
       ON CONFLICT (network_id) DO UPDATE SET observed_at = excluded.observed_at
         WHERE ${this.tables.networkObservations}.observed_at < excluded.observed_at
       RETURNING network_id`,
      [observation.networkId, observation.observedAt],
    );
    if (newer.length === 0) return;
    const previous: Array<{ node_id: string; state: CapacityChangedPayload }> = await tx.query(
      `SELECT node_id, state FROM ${this.tables.capacityBook}
       WHERE supplier_id = $2 AND state->>'clusterId' = $1 FOR UPDATE`,
      [networkClusterId(observation.networkId), networkSupplierId(observation.networkId)],
    );
    const changes = networkCapacityChanges(
      observation,
      previous.map((row) => ({ nodeId: row.node_id, state: row.state })),
    );
    await this.feed.publishStates(tx, changes, causedBy(event));
  }
}
