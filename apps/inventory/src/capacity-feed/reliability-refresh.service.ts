import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { InventoryConfig } from '../config/inventory.config';
import { InventoryTables } from '../database/inventory-tables';
import { CapacityFeedService } from './capacity-feed.service';

/** Nodes recomputed per transaction: a pass over a large fleet holds no lock for long. */
const CHUNK = 1000;

/**
 * Recomputes every live node's reliability score on a schedule (RELIABILITY_REFRESH_SECONDS) and republishes the
 * nodes whose score moved, in chunks; one replica at a time (an advisory lock per chunk keeps two passes from
 * publishing the same change twice).
 */
@Injectable()
export class ReliabilityRefresh implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
  ) {
    this.task = new PeriodicTask(
      new Logger(ReliabilityRefresh.name),
      'reliability refresh',
      config.RELIABILITY_REFRESH_SECONDS * 1000,
      async () => {
        await this.refreshAll();
      },
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass over every live node; returns how many were republished. */
  async refreshAll(now = Date.now()): Promise<number> {
    let after: string | undefined;
    let republished = 0;
    for (;;) {
      const chunk = await this.dataSource.transaction(async (tx) => {
        const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
          `${this.tables.nodes}:reliability`,
        ]);
        if (!locked) return undefined;
        return this.feed.refreshReliability(tx, after, CHUNK, now);
      });
      if (!chunk?.lastNodeId) return republished;
      republished += chunk.republished;
      after = chunk.lastNodeId;
    }
  }
}
