import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { causedBy, EventEnvelope, SupplierRegistered, SupplierRegisteredPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';

/** Records a supplier; nodes seen before it registered are republished with its kind. */
@Injectable()
@ConsumesEvents()
export class RegisterSupplierHandler implements EventHandler<SupplierRegisteredPayload> {
  readonly name = 'inventory.register-supplier';
  readonly contract = SupplierRegistered;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
  ) {}

  async handle(event: EventEnvelope<SupplierRegisteredPayload>, tx: EntityManager): Promise<void> {
    const { supplierId, name, kind, region } = event.payload;
    await tx.query(
      `INSERT INTO ${this.tables.suppliers} (supplier_id, name, kind, region, registered_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (supplier_id) DO UPDATE SET name = $2, kind = $3, region = $4`,
      [supplierId, name, kind, region, event.occurredAt],
    );
    await this.feed.publishSupplierNodes(tx, { supplierId }, causedBy(event));
  }
}
