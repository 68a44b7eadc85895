import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { MeteringService } from './metering.service';
import { MeterStore } from './meter.store';

/**
 * Every BILLING_ACCRUAL_INTERVAL_SECONDS, charges running work for the seconds it used so far, tenant by tenant
 * (one transaction each), and stops the work of tenants whose funds run out. One pass at a time across
 * replicas (an advisory lock held for the pass).
 */
@Injectable()
export class AccrualService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MeteringService) private readonly metering: MeteringService,
    @Inject(MeterStore) private readonly meters: MeterStore,
    @Inject(SERVICE_CONFIG) config: BillingConfig,
  ) {
    this.task = new PeriodicTask(
      new Logger(AccrualService.name),
      'accrual pass',
      config.BILLING_ACCRUAL_INTERVAL_SECONDS * 1000,
      () => this.accrueAll().then(() => undefined),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns the number of running meters seen. */
  async accrueAll(now = new Date()): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [
        `${this.meters.table}:accrual`,
      ]);
      if (!locked) return 0;
      try {
        const tenants: Array<{ tenant_id: string }> = await runner.query(
          `SELECT DISTINCT tenant_id FROM ${this.meters.table}
           WHERE settled_at IS NULL AND started_at IS NOT NULL AND finished_at IS NULL AND nodes IS NOT NULL`,
        );
        let running = 0;
        for (const { tenant_id } of tenants) {
          running += await this.dataSource.transaction((tx) =>
            this.metering.accrueTenant(tx, tenant_id, now),
          );
        }
        return running;
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`${this.meters.table}:accrual`]);
      }
    } finally {
      await runner.release();
    }
  }
}
