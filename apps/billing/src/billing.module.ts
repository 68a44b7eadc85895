import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { billingConfigSchema } from './config/billing.config';
import { billingMigrations } from './database/migrations';

/** Billing: per-second metering, the double-entry ledger, holds and invoices. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'billing',
      configSchema: billingConfigSchema,
      migrations: billingMigrations,
    }),
  ],
})
export class BillingModule {}
