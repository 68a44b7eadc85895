import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  SupplierFaultObserved,
  SupplierFaultObservedPayload,
} from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { CapacityFeedService } from '../capacity-feed/capacity-feed.service';
import { InventoryTables } from '../database/inventory-tables';

/** Counts a fault against the supplier of the node (once per fault id) and republishes the supplier's nodes. */
@Injectable()
@ConsumesEvents()
export class RecordSupplierFaultHandler implements EventHandler<SupplierFaultObservedPayload> {
  readonly name = 'inventory.record-supplier-fault';
  readonly contract = SupplierFaultObserved;

  constructor(
    @Inject(InventoryTables) private readonly tables: InventoryTables,
    @Inject(CapacityFeedService) private readonly feed: CapacityFeedService,
  ) {}

  async handle(event: EventEnvelope<SupplierFaultObservedPayload>, tx: EntityManager): Promise<void> {
    const fault = event.payload;
    const nodeId = deterministicUuid(IdNamespaces.node, fault.clusterId, fault.nodeName);
    const [node] = await tx.query(`SELECT supplier_id FROM ${this.tables.nodes} WHERE node_id = $1`, [
      nodeId,
    ]);
    if (!node) {
      throw new RejectedEventError(
        `no node ${fault.clusterId}/${fault.nodeName} is known`,
        'INVENTORY.UNKNOWN_NODE',
      );
    }
    const inserted = await tx.query(
      `INSERT INTO ${this.tables.supplierFaults} (fault_id, supplier_id, node_id, kind, detail, at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fault_id) DO NOTHING RETURNING fault_id`,
      [fault.faultId, node.supplier_id, nodeId, fault.kind, fault.detail, fault.observedAt],
    );
    if (inserted.length === 0) return;
    await this.feed.publishSupplierNodes(
      tx,
      { supplierId: node.supplier_id, includeRemoved: true },
      causedBy(event),
    );
  }
}
