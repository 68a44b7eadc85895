import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { GridexServiceModule, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig, billingConfigSchema } from './config/billing.config';
import { CreditChain } from './compute-credits/chain/credit-chain';
import { CreditChainStore } from './compute-credits/chain/credit-chain.store';
import { CreditChainSync } from './compute-credits/chain/credit-chain-sync.service';
import { ComputeCreditStore } from './compute-credits/compute-credit.store';
import { ComputeCreditsController } from './compute-credits/compute-credits.controller';
import { ComputeCreditsService } from './compute-credits/compute-credits.service';
import { AccountsController } from './credits/accounts.controller';
import { TopUpOnCreditRequestedHandler } from './credits/credit-requested.handler';
import { CreditsService } from './credits/credits.service';
import { PAYMENT_PROVIDER, TestPaymentProvider } from './credits/payment-provider';
import { billingMigrations } from './database/migrations';
import { InvoiceStore } from './invoices/invoice.store';
import { TopUpStore } from './credits/top-up.store';
import { InvoiceService } from './invoices/invoice.service';
import { FinanceController } from './invoices/finance.controller';
import { InvoicesController } from './invoices/invoices.controller';
import { LedgerHealth } from './ledger/ledger-health';
import { LedgerStore } from './ledger/ledger.store';
import { TenantAccounts } from './ledger/tenant-accounts';
import { AccrualService } from './metering/accrual.service';
import {
  HoldOnJobMatchedHandler,
  MeterOnWorkloadStartedHandler,
  SettleOnWorkloadFinishedHandler,
} from './metering/lifecycle.handlers';
import { MeteringService } from './metering/metering.service';
import { MeterStore } from './metering/meter.store';
import { PayOutOnPayoutRequestedHandler } from './payouts/payout-requested.handler';
import { NetworkReconciliationController, RecordNetworkChargeHandler } from './networks/network-charges';
import { NetworkChargeStore } from './networks/network-charges.store';
import { PAYOUT_PROVIDER, TestPayoutProvider } from './payouts/payout-provider';
import { PayoutsService } from './payouts/payouts.service';

/**
 * Billing: holds on matched jobs, per-second metering from workload timestamps, settlement into the
 * double-entry ledger, credit top-ups, compute credits, supplier payouts, invoices, and the finance events that
 * describe each of them.
 */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'billing',
      configSchema: billingConfigSchema,
      migrations: billingMigrations,
    }),
  ],
  controllers: [
    AccountsController,
    ComputeCreditsController,
    InvoicesController,
    FinanceController,
    NetworkReconciliationController,
  ],
  providers: [
    LedgerStore,
    LedgerHealth,
    TenantAccounts,
    MeterStore,
    MeteringService,
    HoldOnJobMatchedHandler,
    MeterOnWorkloadStartedHandler,
    SettleOnWorkloadFinishedHandler,
    AccrualService,
    { provide: PAYMENT_PROVIDER, useClass: TestPaymentProvider },
    CreditsService,
    TopUpStore,
    TopUpOnCreditRequestedHandler,
    InvoiceService,
    InvoiceStore,
    { provide: PAYOUT_PROVIDER, useClass: TestPayoutProvider },
    PayoutsService,
    PayOutOnPayoutRequestedHandler,
    NetworkChargeStore,
    RecordNetworkChargeHandler,
    ComputeCreditStore,
    ComputeCreditsService,
    CreditChainStore,
    // Compute credits as ERC-1155 tokens only where the chain is on (BILLING_CHAIN_ENABLED).
    {
      provide: CreditChainSync,
      useFactory: (
        dataSource: DataSource,
        store: CreditChainStore,
        credits: ComputeCreditStore,
        ledger: LedgerStore,
        tenants: TenantAccounts,
        outbox: OutboxWriter,
        config: BillingConfig,
        metrics: ServiceMetrics,
      ) =>
        config.BILLING_CHAIN_ENABLED
          ? new CreditChainSync(
              dataSource,
              new CreditChain(config),
              store,
              credits,
              ledger,
              tenants,
              outbox,
              config,
              metrics,
            )
          : null,
      inject: [
        DataSource,
        CreditChainStore,
        ComputeCreditStore,
        LedgerStore,
        TenantAccounts,
        OutboxWriter,
        SERVICE_CONFIG,
        ServiceMetrics,
      ],
    },
  ],
})
export class BillingModule {}
