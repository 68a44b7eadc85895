import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { BillingConfig } from '../config/billing.config';
import { MeterState } from '../domain/meter';
import { InvoiceLine, MeteredNode } from '../domain/metering';

interface StoredNode extends Omit<MeteredNode, 'pricePerGpuHourMicros' | 'askPerGpuHourMicros'> {
  pricePerGpuHourMicros: string;
  askPerGpuHourMicros: string;
}

export interface MeterRow {
  reservation_id: string;
  job_id: string;
  tenant_id: string;
  correlation_id: string;
  nodes: StoredNode[] | null;
  expected_seconds: number | null;
  hold_micros: string;
  held_remaining_micros: string;
  hold_rejected: boolean;
  started_at: Date | null;
  finished_at: Date | null;
  outcome: string | null;
  charged_seconds: number;
  charged_micros: string;
  settled_at: Date | null;
  exhausted_at: Date | null;
}

/** A meter with what the service keeps beside the pure state. */
export interface StoredMeter {
  state: MeterState;
  correlationId: string;
  exhaustedAt?: Date;
}

export function meterFromRow(row: MeterRow): StoredMeter {
  return {
    correlationId: row.correlation_id,
    exhaustedAt: row.exhausted_at ?? undefined,
    state: {
      reservationId: row.reservation_id,
      jobId: row.job_id,
      tenantId: row.tenant_id,
      nodes: row.nodes?.map((n) => ({
        ...n,
        pricePerGpuHourMicros: BigInt(n.pricePerGpuHourMicros),
        askPerGpuHourMicros: BigInt(n.askPerGpuHourMicros),
      })),
      expectedSeconds: row.expected_seconds ?? undefined,
      holdMicros: BigInt(row.hold_micros),
      heldRemainingMicros: BigInt(row.held_remaining_micros),
      holdRejected: row.hold_rejected,
      startedAt: row.started_at ?? undefined,
      finishedAt: row.finished_at ?? undefined,
      outcome: row.outcome ?? undefined,
      chargedSeconds: row.charged_seconds,
      chargedMicros: BigInt(row.charged_micros),
      settled: row.settled_at !== null,
    },
  };
}

/** The `meters` table: one row per reservation, written only under its tenant's lock. */
@Injectable()
export class MeterStore {
  readonly table: string;

  constructor(@Inject(SERVICE_CONFIG) config: BillingConfig) {
    this.table = qualified(config.DATABASE_SCHEMA, 'meters');
  }

  /** The reservation's meter, created empty on first sight, locked for the caller's transaction. */
  async lock(
    tx: EntityManager,
    key: { reservationId: string; jobId: string; tenantId: string; correlationId: string },
  ): Promise<StoredMeter> {
    await tx.query(
      `INSERT INTO ${this.table} (reservation_id, job_id, tenant_id, correlation_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [key.reservationId, key.jobId, key.tenantId, key.correlationId],
    );
    const [row]: MeterRow[] = await tx.query(
      `SELECT * FROM ${this.table} WHERE reservation_id = $1 FOR UPDATE`,
      [key.reservationId],
    );
    return meterFromRow(row);
  }

  /** Running meters of a tenant, locked (the caller holds the tenant's lock). */
  async lockRunning(tx: EntityManager, tenantId: string): Promise<StoredMeter[]> {
    const rows: MeterRow[] = await tx.query(
      `SELECT * FROM ${this.table}
       WHERE tenant_id = $1 AND settled_at IS NULL AND started_at IS NOT NULL AND finished_at IS NULL
         AND nodes IS NOT NULL
       ORDER BY reservation_id FOR UPDATE`,
      [tenantId],
    );
    return rows.map(meterFromRow);
  }

  async save(
    tx: EntityManager,
    meter: StoredMeter,
    settlement?: { gpuSeconds: number; lines: InvoiceLine[]; settledAt: Date },
  ): Promise<void> {
    const s = meter.state;
    await tx.query(
      `UPDATE ${this.table} SET nodes = $2, expected_seconds = $3, hold_micros = $4, held_remaining_micros = $5,
         hold_rejected = $6, started_at = $7, finished_at = $8, outcome = $9, charged_seconds = $10,
         charged_micros = $11, exhausted_at = $12, gpu_seconds = coalesce($13, gpu_seconds),
         lines = coalesce($14, lines), settled_at = coalesce($15, settled_at), updated_at = now()
       WHERE reservation_id = $1`,
      [
        s.reservationId,
        s.nodes
          ? JSON.stringify(
              s.nodes.map((n) => ({
                ...n,
                pricePerGpuHourMicros: n.pricePerGpuHourMicros.toString(),
                askPerGpuHourMicros: n.askPerGpuHourMicros.toString(),
              })),
            )
          : null,
        s.expectedSeconds ?? null,
        s.holdMicros.toString(),
        s.heldRemainingMicros.toString(),
        s.holdRejected,
        s.startedAt ?? null,
        s.finishedAt ?? null,
        s.outcome ?? null,
        s.chargedSeconds,
        s.chargedMicros.toString(),
        meter.exhaustedAt ?? null,
        settlement?.gpuSeconds ?? null,
        settlement
          ? JSON.stringify(
              settlement.lines.map((line) => ({
                ...line,
                unitPricePerGpuHourMicros: line.unitPricePerGpuHourMicros.toString(),
                amountMicros: line.amountMicros.toString(),
              })),
            )
          : null,
        settlement?.settledAt ?? null,
      ],
    );
  }
}
