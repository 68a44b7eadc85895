import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CapacityChangedPayload, EventOrigin, NetworkOffersObservedPayload, uuidv7 } from '@gridex/contracts';
import { PeriodicTask } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';
import { networkCapacityChanges, networkClusterId, networkSupplierId } from '../domain/network-capacity';

/** How often networks whose observation ran out are looked for (their offers go within this of running out). */
const EXPIRY_CHECK_MS = 5_000;

/**
 * Another network's capacity on the feed: applies an observation of its offers against what was last published
 * for its nodes, and withdraws the offers of networks not observed again before their observation ran out (the
 * orchestrator that read them stopped, or no longer routes there), every few seconds.
 */
@Injectable()
export class NetworkCapacity implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task = new PeriodicTask(
    new Logger(NetworkCapacity.name),
    'network capacity expiry',
    EXPIRY_CHECK_MS,
    () => this.withdrawExpired(),
  );

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Publishes what changed for the network's nodes with this observation. */
  async apply(
    tx: EntityManager,
    observation: NetworkOffersObservedPayload,
    origin: EventOrigin,
  ): Promise<void> {
    const previous: Array<{ node_id: string; state: CapacityChangedPayload }> = await tx.query(
      `SELECT node_id, state FROM ${this.tables.capacityBook}
       WHERE supplier_id = $2 AND state->>'clusterId' = $1 FOR UPDATE`,
      [networkClusterId(observation.networkId), networkSupplierId(observation.networkId)],
    );
    const changes = networkCapacityChanges(
      observation,
      previous.map((row) => ({ nodeId: row.node_id, state: row.state })),
    );
    await this.feed.publishStates(tx, changes, origin);
  }

  /** Withdraws every network whose last observation has run out, once. */
  async withdrawExpired(now = new Date()): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      // (A CTE because TypeORM answers a bare UPDATE … RETURNING with [rows, count].)
      const expired: Array<{ network_id: string; observed_at: Date; valid_until: Date }> = await tx.query(
        `WITH expired AS (UPDATE ${this.tables.networkObservations} SET withdrawn = true
           WHERE NOT withdrawn AND valid_until < $1 RETURNING network_id, observed_at, valid_until)
         SELECT * FROM expired`,
        [now],
      );
      for (const row of expired) {
        await this.apply(
          tx,
          {
            networkId: row.network_id,
            observedAt: new Date(row.observed_at).toISOString(),
            validUntil: new Date(row.valid_until).toISOString(),
            routable: false,
            trust: 'probation',
            feeBps: 0,
            offers: [],
          },
          { correlationId: uuidv7(), causationId: null },
        );
      }
    });
  }
}
