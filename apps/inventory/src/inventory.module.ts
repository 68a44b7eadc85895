import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { inventoryConfigSchema } from './config/inventory.config';
import { inventoryMigrations } from './database/migrations';

/** Inventory: suppliers, GPU nodes, offers, verification and reliability. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'inventory',
      configSchema: inventoryConfigSchema,
      migrations: inventoryMigrations,
    }),
  ],
})
export class InventoryModule {}
