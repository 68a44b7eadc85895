import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { GatewayConfig } from '../config/gateway.config';
import {
  AllocatedNode,
  JobStatus,
  JobStatusChange,
  JobStatusView,
  PlacementExplanation,
  TimelineEntry,
} from '../domain/job-status';
import { jobChannel } from './job-notifications';

export interface JobRow {
  job_id: string;
  tenant_id: string;
  name: string | null;
  status: JobStatus;
  reason: string | null;
  reservation_id: string | null;
  attempt: number | null;
  allocation: AllocatedNode[] | null;
  explanation: PlacementExplanation | null;
  price_per_gpu_hour_micros: string | null;
  submitted_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  timeline: TimelineEntry[];
}

type StatusColumns = Pick<
  JobRow,
  'status' | 'reason' | 'reservation_id' | 'attempt' | 'started_at' | 'finished_at'
>;

/** What the status rules read of a job row. */
export function statusViewOf(row: StatusColumns): JobStatusView {
  return {
    status: row.status,
    reason: row.reason,
    reservationId: row.reservation_id,
    attempt: row.attempt,
    startedAt: row.started_at && row.started_at.toISOString(),
    finishedAt: row.finished_at && row.finished_at.toISOString(),
  };
}

/** The gateway's job read model: every read and write of its jobs table. */
@Injectable()
export class JobStore {
  private readonly table: string;
  private readonly channel: string;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.table = qualified(config.DATABASE_SCHEMA, 'jobs');
    this.channel = jobChannel(config.DATABASE_SCHEMA);
  }

  async insertSubmitted(
    tx: EntityManager,
    job: { jobId: string; tenantId: string; name: string | null; spec: unknown; at: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.table} (job_id, tenant_id, name, spec, status, submitted_at, updated_at, timeline)
       VALUES ($1, $2, $3, $4, 'queued', $5, $5, $6)`,
      [
        job.jobId,
        job.tenantId,
        job.name,
        JSON.stringify(job.spec),
        job.at,
        JSON.stringify([{ at: job.at.toISOString(), event: 'submitted' }]),
      ],
    );
  }

  /** A tenant's job; undefined for another tenant's (which a caller must not learn exists). */
  async findOwn(tenantId: string, jobId: string): Promise<JobRow | undefined> {
    const rows: JobRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE job_id = $1 AND tenant_id = $2`,
      [jobId, tenantId],
    );
    return rows[0];
  }

  /** Like `findOwn`, locked for the rest of `tx`. */
  async lockOwn(tx: EntityManager, tenantId: string, jobId: string): Promise<JobRow | undefined> {
    const rows: JobRow[] = await tx.query(
      `SELECT * FROM ${this.table} WHERE job_id = $1 AND tenant_id = $2 FOR UPDATE`,
      [jobId, tenantId],
    );
    return rows[0];
  }

  /** A tenant's jobs, newest first, after the job id `after` (keyset paging). */
  async page(tenantId: string, after: string | null, limit: number): Promise<JobRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE tenant_id = $1 AND ($2::text IS NULL OR job_id < $2)
       ORDER BY job_id DESC LIMIT $3`,
      [tenantId, after, limit],
    );
  }

  /** What the status rules read of a job, locked; undefined for a job this gateway did not take. */
  async lockStatus(tx: EntityManager, jobId: string): Promise<JobStatusView | undefined> {
    const rows: StatusColumns[] = await tx.query(
      `SELECT status, reason, reservation_id, attempt, started_at, finished_at
         FROM ${this.table} WHERE job_id = $1 FOR UPDATE`,
      [jobId],
    );
    return rows[0] && statusViewOf(rows[0]);
  }

  /** Writes a change the status rules decided, with its timeline entry stamped `at`. */
  async apply(tx: EntityManager, jobId: string, change: JobStatusChange, at: string): Promise<void> {
    const params: unknown[] = [jobId];
    const set: string[] = [];
    const assign = (column: string, value: unknown, cast = '') => {
      set.push(`${column} = $${params.push(value)}${cast}`);
    };
    if (change.status !== undefined) assign('status', change.status);
    if (change.reason !== undefined) assign('reason', change.reason);
    if (change.placement) {
      assign('reservation_id', change.placement.reservationId);
      assign('attempt', change.placement.attempt);
      assign('allocation', JSON.stringify(change.placement.allocation));
      assign('price_per_gpu_hour_micros', change.placement.pricePerGpuHourMicros);
      assign('explanation', JSON.stringify(change.placement.explanation ?? null));
    }
    if (change.reservationId !== undefined) assign('reservation_id', change.reservationId);
    if (change.run?.startedAt !== undefined) assign('started_at', change.run.startedAt);
    if (change.run?.finishedAt !== undefined) assign('finished_at', change.run.finishedAt);
    const entry: TimelineEntry = { at, ...change.entry };
    if (!entry.detail) delete entry.detail;
    set.push(`timeline = timeline || $${params.push(JSON.stringify([entry]))}::jsonb`);
    await tx.query(
      `UPDATE ${this.table} SET ${set.join(', ')}, updated_at = now() WHERE job_id = $1`,
      params,
    );
    // Delivered on commit to every gateway's live streams of this job (JobNotifications).
    await tx.query('SELECT pg_notify($1, $2)', [this.channel, jobId]);
  }
}
