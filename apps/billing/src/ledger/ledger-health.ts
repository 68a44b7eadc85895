import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';

/**
 * `gridex_billing_ledger_imbalance_micros`: the sum of every ledger balance, read at each scrape. Double entry
 * keeps it at zero; anything else means a posting was lost or edited, and operators are paged (the chart's
 * PrometheusRule alerts on it).
 */
@Injectable()
export class LedgerHealth {
  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: BillingConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    const balances = qualified(config.DATABASE_SCHEMA, 'ledger_balances');
    metrics.gauge(
      'ledger_imbalance_micros',
      'Sum of all ledger account balances in micro-units; zero when the books balance',
      [],
      async function () {
        const [{ total }] = await dataSource.query(
          `SELECT coalesce(sum(balance_micros), 0)::text AS total FROM ${balances}`,
        );
        this.set(Number(total));
      },
    );
  }
}
