import { Inject, Injectable } from '@nestjs/common';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { InventoryConfig } from '../config/inventory.config';

/** Inventory's tables, qualified with its schema, for raw SQL. */
@Injectable()
export class InventoryTables {
  readonly suppliers: string;
  readonly pools: string;
  readonly nodes: string;
  readonly nodeReadiness: string;
  readonly offers: string;
  readonly verifications: string;
  readonly supplierFaults: string;
  readonly capacityBook: string;
  readonly networkObservations: string;

  constructor(@Inject(SERVICE_CONFIG) config: InventoryConfig) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.suppliers = table('suppliers');
    this.pools = table('pools');
    this.nodes = table('nodes');
    this.nodeReadiness = table('node_readiness');
    this.offers = table('offers');
    this.verifications = table('verifications');
    this.supplierFaults = table('supplier_faults');
    this.capacityBook = table('capacity_book');
    this.networkObservations = table('network_observations');
  }
}
