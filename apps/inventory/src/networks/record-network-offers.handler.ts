import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  EventEnvelope,
  NetworkOffersObserved,
  NetworkOffersObservedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { InventoryTables } from '../database/inventory-tables';
import { NetworkCapacity } from './network-capacity.service';

/**
 * Records the orchestrator's reading of another network's offers, and has `NetworkCapacity` publish what
 * changed for its nodes (the rules are `domain/network-capacity.ts`).
 */
@Injectable()
@ConsumesEvents()
export class RecordNetworkOffersHandler implements EventHandler<NetworkOffersObservedPayload> {
  readonly name = 'inventory.record-network-offers';
  readonly contract = NetworkOffersObserved;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(NetworkCapacity) private readonly networks: NetworkCapacity,
  ) {}

  async handle(event: EventEnvelope<NetworkOffersObservedPayload>, tx: EntityManager): Promise<void> {
    const observation = event.payload;
    // One row per network, taken in order: an observation older than the one applied changes nothing.
    const newer: unknown[] = await tx.query(
      `WITH applied AS (
         INSERT INTO ${this.tables.networkObservations} (network_id, observed_at, valid_until, withdrawn)
         VALUES ($1, $2, $3, false)
         ON CONFLICT (network_id) DO UPDATE SET observed_at = excluded.observed_at,
           valid_until = excluded.valid_until, withdrawn = false
           WHERE ${this.tables.networkObservations}.observed_at < excluded.observed_at
         RETURNING network_id)
       SELECT * FROM applied`,
      [observation.networkId, observation.observedAt, observation.validUntil],
    );
    if (newer.length === 0) return;
    await this.networks.apply(tx, observation, causedBy(event));
  }
}
