import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { CapacityBookController } from './capacity-book/capacity-book.controller';
import { CapacityFeedService } from './capacity-feed/capacity-feed.service';
import { ReliabilityRefresh } from './capacity-feed/reliability-refresh.service';
import { RecordSupplierFaultHandler } from './faults/record-supplier-fault.handler';
import { SetPoolAvailabilityHandler } from './pools/set-pool-availability.handler';
import { inventoryConfigSchema } from './config/inventory.config';
import { InventoryTables } from './database/inventory-tables';
import { inventoryMigrations } from './database/migrations';
import { RecordNodeObservationHandler } from './nodes/record-node-observation.handler';
import { RecordNetworkOffersHandler } from './networks/record-network-offers.handler';
import { NetworkCapacity } from './networks/network-capacity.service';
import { DeclareOfferHandler } from './offers/declare-offer.handler';
import { RegisterSupplierHandler } from './suppliers/register-supplier.handler';
import { RecordBenchmarkHandler } from './verification/record-benchmark.handler';
import { VerificationRequestsService } from './verification/verification-requests.service';

/** Inventory: suppliers, GPU nodes, offers, verification and reliability; publishes the capacity feed. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'inventory',
      configSchema: inventoryConfigSchema,
      migrations: inventoryMigrations,
    }),
  ],
  controllers: [CapacityBookController],
  providers: [
    InventoryTables,
    CapacityFeedService,
    ReliabilityRefresh,
    VerificationRequestsService,
    RecordBenchmarkHandler,
    RecordNodeObservationHandler,
    NetworkCapacity,
    RecordNetworkOffersHandler,
    SetPoolAvailabilityHandler,
    RecordSupplierFaultHandler,
    RegisterSupplierHandler,
    DeclareOfferHandler,
  ],
})
export class InventoryModule {}
