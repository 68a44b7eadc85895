import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GridexServiceModule } from '@gridex/runtime';
import { ConsoleModule } from './console/console.module';
import { JobEventsController } from './jobs/job-events.controller';
import { JobLogsController } from './jobs/job-logs.controller';
import { JobNotifications } from './jobs/job-notifications';
import { ApiKeyGuard } from './auth/api-key.guard';
import { gatewayConfigSchema } from './config/gateway.config';
import {
  ComputeCreditPurchasedBalanceHandler,
  CreditAddedBalanceHandler,
  CreditDeclinedHandler,
  HoldPlacedBalanceHandler,
  HoldReleasedBalanceHandler,
  MoneyTables,
  UsageRecordedBalanceHandler,
} from './credits/balance.handlers';
import { ComputeCreditsController } from './credits/compute-credits.controller';
import { CreditsController } from './credits/credits.controller';
import { SupplierEarningsController, UsageController, UsageSettledHandler } from './credits/usage';
import { gatewayMigrations } from './database/migrations';
import { IdempotencyExpiry, IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { OpenApiController } from './openapi/openapi.controller';
import { DeadLetters, DeadLettersController } from './operations/dead-letters';
import { JobsController } from './jobs/jobs.controller';
import { JobStore } from './jobs/job.store';
import {
  HoldRejectedStatusHandler,
  JobExpiredStatusHandler,
  JobMatchedStatusHandler,
  JobUnmatchedStatusHandler,
  WorkloadFinishedStatusHandler,
  WorkloadStartedStatusHandler,
} from './jobs/job-status.handlers';
import { QuotesController } from './quotes/quotes.controller';
import { RequestReplyClient } from './request-reply/request-reply.client';
import { OffersController } from './quotes/offers.controller';
import { TenantsController } from './tenants/tenants.controller';
import { InvoicesController } from './invoices/invoices.controller';
import { ServiceClient } from './internal/service-client';
import { FleetController } from './operations/fleet.controller';
import { TokenDepositsController } from './suppliers/token-deposits.controller';
import { SuppliersController } from './suppliers/suppliers.controller';
import { CommitmentsController } from './suppliers/commitments.controller';

/**
 * Gateway: the public REST API: tenants, API keys, idempotency, jobs (commands out as events, reads from a read
 * model), money, supplier and operator routes (reads from the owning service), OpenAPI.
 */
@Module({
  imports: [
    // The OpenAPI document is generated from the controllers Nest discovers.
    DiscoveryModule,
    GridexServiceModule.forRoot({
      service: 'gateway',
      configSchema: gatewayConfigSchema,
      migrations: gatewayMigrations,
    }),
    ConsoleModule,
  ],
  controllers: [
    TenantsController,
    JobsController,
    JobEventsController,
    JobLogsController,
    QuotesController,
    OffersController,
    CreditsController,
    ComputeCreditsController,
    UsageController,
    SupplierEarningsController,
    SuppliersController,
    CommitmentsController,
    TokenDepositsController,
    InvoicesController,
    FleetController,
    DeadLettersController,
    OpenApiController,
  ],
  providers: [
    ApiKeyGuard,
    IdempotencyInterceptor,
    IdempotencyExpiry,
    JobStore,
    JobNotifications,
    JobMatchedStatusHandler,
    JobUnmatchedStatusHandler,
    JobExpiredStatusHandler,
    WorkloadStartedStatusHandler,
    WorkloadFinishedStatusHandler,
    HoldRejectedStatusHandler,
    MoneyTables,
    CreditAddedBalanceHandler,
    CreditDeclinedHandler,
    HoldPlacedBalanceHandler,
    UsageRecordedBalanceHandler,
    HoldReleasedBalanceHandler,
    ComputeCreditPurchasedBalanceHandler,
    UsageSettledHandler,
    RequestReplyClient,
    ServiceClient,
    DeadLetters,
  ],
})
export class GatewayModule {}
