import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  EventEnvelope,
  PoolAvailabilityChanged,
  PoolAvailabilityChangedPayload,
} from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';

/** Pauses or resumes selling a supplier's pool; running work is not touched. */
@Injectable()
@ConsumesEvents()
export class SetPoolAvailabilityHandler implements EventHandler<PoolAvailabilityChangedPayload> {
  readonly name = 'inventory.set-pool-availability';
  readonly contract = PoolAvailabilityChanged;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
  ) {}

  async handle(event: EventEnvelope<PoolAvailabilityChangedPayload>, tx: EntityManager): Promise<void> {
    const { supplierId, pool, paused } = event.payload;
    const updated: Array<{ pool: string }> = await tx.query(
      `WITH changed AS (UPDATE ${this.tables.pools} SET paused = $3 WHERE supplier_id = $1 AND pool = $2 RETURNING pool)
       SELECT pool FROM changed`,
      [supplierId, pool, paused],
    );
    if (updated.length === 0) {
      throw new RejectedEventError(`supplier ${supplierId} has no pool "${pool}"`, 'INVENTORY.UNKNOWN_POOL');
    }
    await this.feed.publishSupplierNodes(tx, { supplierId, pool }, causedBy(event));
  }
}
