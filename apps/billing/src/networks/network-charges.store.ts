import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NetworkChargeReportedPayload } from '@gridex/contracts';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';

/** A network's charge beside billing's meter of the same placement (the meter absent if never metered). */
export interface ChargeWithMeter {
  reservation_id: string;
  network_id: string;
  job_id: string;
  external_job_id: string;
  gpu_seconds: string;
  currency: string;
  charged_micros: string;
  reported_at: Date;
  charged_seconds: number | null;
  settled_at: Date | null;
  nodes: Array<{ supplierId: string; gpus: number; askPerGpuHourMicros: string }> | null;
}

/** Other networks' charges, and the reads that set them beside billing's meters. */
@Injectable()
export class NetworkChargeStore {
  private readonly charges: string;
  private readonly meters: string;

  constructor(
    @Inject(SERVICE_CONFIG) config: BillingConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    this.charges = qualified(config.DATABASE_SCHEMA, 'network_charges');
    this.meters = qualified(config.DATABASE_SCHEMA, 'meters');
  }

  /** Records a network's charge for a placement; a second report of the same placement changes nothing. */
  async record(tx: EntityManager, charge: NetworkChargeReportedPayload): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.charges} (reservation_id, network_id, job_id, external_job_id, gpu_seconds, currency,
         charged_micros, reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (reservation_id) DO NOTHING`,
      [
        charge.reservationId,
        charge.networkId,
        charge.jobId,
        charge.externalJobId,
        charge.gpuSeconds,
        charge.charged.currency,
        charge.charged.micros,
        charge.reportedAt,
      ],
    );
  }

  /** Charges (of one network, if given) with their meters, newest report first, after the key `after`. */
  async page(
    networkId: string | undefined,
    after: [string, string] | undefined,
    limit: number,
  ): Promise<ChargeWithMeter[]> {
    return this.dataSource.query(
      `SELECT c.*, m.charged_seconds, m.settled_at, m.nodes
       FROM ${this.charges} c LEFT JOIN ${this.meters} m ON m.reservation_id = c.reservation_id
       WHERE ($1::text IS NULL OR c.network_id = $1)
         AND ($2::timestamptz IS NULL OR (c.reported_at, c.reservation_id) < ($2::timestamptz, $3::uuid))
       ORDER BY c.reported_at DESC, c.reservation_id DESC LIMIT $4`,
      [networkId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
  }
}
