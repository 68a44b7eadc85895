import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RejectedEventError } from '@gridex/messaging';
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
  compute_credit_id: string | null;
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

export interface MeterKey {
  reservationId: string;
  jobId: string;
  tenantId: string;
  correlationId: string;
}

/** What a settled meter keeps for its invoice. */
export interface Settlement {
  gpuSeconds: number;
  lines: InvoiceLine[];
  settledAt: Date;
}

/** A meter with what the service keeps beside the pure state. */
export interface StoredMeter {
  state: MeterState;
  correlationId: string;
  exhaustedAt?: Date;
  /** Whether the row already holds the nodes (they never change once known, so they are written once). */
  nodesStored: boolean;
}

/** The columns a meter is read from: its state, not what it keeps for the invoice. */
const METER_COLUMNS = `reservation_id, job_id, tenant_id, correlation_id, compute_credit_id, nodes, expected_seconds, hold_micros,
  held_remaining_micros, hold_rejected, started_at, finished_at, outcome, charged_seconds, charged_micros,
  settled_at, exhausted_at`;

export function meterFromRow(row: MeterRow): StoredMeter {
  return {
    correlationId: row.correlation_id,
    exhaustedAt: row.exhausted_at ?? undefined,
    nodesStored: row.nodes !== null,
    state: {
      reservationId: row.reservation_id,
      jobId: row.job_id,
      tenantId: row.tenant_id,
      computeCreditId: row.compute_credit_id ?? undefined,
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

/** The `meters` table: one row per reservation, written only under its tenant's lock (see TenantAccounts). */
@Injectable()
export class MeterStore {
  readonly table: string;

  constructor(@Inject(SERVICE_CONFIG) config: BillingConfig) {
    this.table = qualified(config.DATABASE_SCHEMA, 'meters');
  }

  /**
   * The reservations' meters, created empty on first sight, in one statement. No row locks: a meter is only
   * written under its tenant's lock, which the caller holds (and a reservation never changes tenant), so the
   * tenant lock already makes these reads current. A reservation already metered for another tenant is refused:
   * the events contradict each other.
   */
  async loadMany(tx: EntityManager, keys: readonly MeterKey[]): Promise<Map<string, StoredMeter>> {
    const unique = [...new Map(keys.map((k) => [k.reservationId, k])).values()];
    // The outer SELECT reads the snapshot taken before the INSERT, so it returns the meters that existed and
    // RETURNING the ones just created: each meter once.
    const rows: MeterRow[] = await tx.query(
      `WITH created AS (
         INSERT INTO ${this.table} (reservation_id, job_id, tenant_id, correlation_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING
         RETURNING ${METER_COLUMNS})
       SELECT * FROM created
       UNION ALL SELECT ${METER_COLUMNS} FROM ${this.table} WHERE reservation_id = ANY($1::uuid[])`,
      [
        unique.map((k) => k.reservationId),
        unique.map((k) => k.jobId),
        unique.map((k) => k.tenantId),
        unique.map((k) => k.correlationId),
      ],
    );
    const meters = new Map(rows.map((row) => [row.reservation_id, meterFromRow(row)]));
    // Only events naming two tenants for one reservation get here: another tenant's transaction created the
    // meter after this statement's snapshot. A new statement sees it (and the check below refuses the event).
    const missing = unique.filter((k) => !meters.has(k.reservationId)).map((k) => k.reservationId);
    if (missing.length > 0) {
      const late: MeterRow[] = await tx.query(
        `SELECT ${METER_COLUMNS} FROM ${this.table} WHERE reservation_id = ANY($1::uuid[])`,
        [missing],
      );
      for (const row of late) meters.set(row.reservation_id, meterFromRow(row));
    }
    for (const key of unique) {
      const meter = meters.get(key.reservationId);
      if (meter && (meter.state.tenantId !== key.tenantId || meter.state.jobId !== key.jobId)) {
        throw new RejectedEventError(
          `reservation ${key.reservationId} is job ${meter.state.jobId} of tenant ${meter.state.tenantId}, ` +
            `not job ${key.jobId} of tenant ${key.tenantId}`,
          'BILLING.RESERVATION_MISMATCH',
        );
      }
    }
    return meters;
  }

  /** Running meters of a tenant (the caller holds the tenant's lock). */
  async running(tx: EntityManager, tenantId: string): Promise<StoredMeter[]> {
    const rows: MeterRow[] = await tx.query(
      `SELECT ${METER_COLUMNS} FROM ${this.table}
       WHERE tenant_id = $1 AND settled_at IS NULL AND started_at IS NOT NULL AND finished_at IS NULL
         AND nodes IS NOT NULL
       ORDER BY reservation_id`,
      [tenantId],
    );
    return rows.map(meterFromRow);
  }

  /** Writes meters back in one statement; `settlements` adds what a settled meter keeps for its invoice. */
  async saveMany(
    tx: EntityManager,
    meters: readonly StoredMeter[],
    settlements: ReadonlyMap<string, Settlement> = new Map(),
  ): Promise<void> {
    if (meters.length === 0) return;
    const rows = meters.map(({ state: s, exhaustedAt, nodesStored }) => {
      const settlement = settlements.get(s.reservationId);
      return {
        reservation_id: s.reservationId,
        compute_credit_id: nodesStored ? undefined : s.computeCreditId,
        nodes: nodesStored
          ? undefined
          : s.nodes?.map((n) => ({
              ...n,
              pricePerGpuHourMicros: n.pricePerGpuHourMicros.toString(),
              askPerGpuHourMicros: n.askPerGpuHourMicros.toString(),
            })),
        expected_seconds: s.expectedSeconds,
        hold_micros: s.holdMicros.toString(),
        held_remaining_micros: s.heldRemainingMicros.toString(),
        hold_rejected: s.holdRejected,
        started_at: s.startedAt?.toISOString(),
        finished_at: s.finishedAt?.toISOString(),
        outcome: s.outcome,
        charged_seconds: s.chargedSeconds,
        charged_micros: s.chargedMicros.toString(),
        exhausted_at: exhaustedAt?.toISOString(),
        gpu_seconds: settlement?.gpuSeconds,
        lines: settlement?.lines.map((line) => ({
          ...line,
          unitPricePerGpuHourMicros: line.unitPricePerGpuHourMicros.toString(),
          amountMicros: line.amountMicros.toString(),
        })),
        settled_at: settlement?.settledAt.toISOString(),
      };
    });
    await tx.query(
      `UPDATE ${this.table} AS m SET nodes = coalesce(r.nodes, m.nodes),
         compute_credit_id = coalesce(r.compute_credit_id, m.compute_credit_id), expected_seconds = r.expected_seconds,
         hold_micros = r.hold_micros, held_remaining_micros = r.held_remaining_micros,
         hold_rejected = r.hold_rejected, started_at = r.started_at, finished_at = r.finished_at,
         outcome = r.outcome, charged_seconds = r.charged_seconds, charged_micros = r.charged_micros,
         exhausted_at = r.exhausted_at, gpu_seconds = coalesce(r.gpu_seconds, m.gpu_seconds),
         lines = coalesce(r.lines, m.lines), settled_at = coalesce(r.settled_at, m.settled_at), updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS r(reservation_id uuid, compute_credit_id uuid, nodes jsonb,
         expected_seconds integer,
         hold_micros bigint, held_remaining_micros bigint, hold_rejected boolean, started_at timestamptz,
         finished_at timestamptz, outcome text, charged_seconds integer, charged_micros bigint,
         exhausted_at timestamptz, gpu_seconds bigint, lines jsonb, settled_at timestamptz)
       WHERE m.reservation_id = r.reservation_id`,
      [JSON.stringify(rows)],
    );
  }

  /** A tenant's meters (running and settled), newest reservation first, before `before`. */
  async usagePage(
    db: DataSource,
    tenantId: string,
    before: string | undefined,
    limit: number,
  ): Promise<UsageRow[]> {
    return db.query(
      `SELECT reservation_id, job_id, started_at, finished_at, outcome, charged_seconds, charged_micros, hold_micros,
         held_remaining_micros, settled_at, invoice_id
       FROM ${this.table} WHERE tenant_id = $1 AND ($2::uuid IS NULL OR reservation_id < $2)
       ORDER BY reservation_id DESC LIMIT $3`,
      [tenantId, before ?? null, limit],
    );
  }
}

/** A meter as a tenant's usage lists it. */
export interface UsageRow {
  reservation_id: string;
  job_id: string;
  started_at: Date | null;
  finished_at: Date | null;
  outcome: string | null;
  charged_seconds: number;
  charged_micros: string;
  hold_micros: string;
  held_remaining_micros: string;
  settled_at: Date | null;
  invoice_id: string | null;
}
