import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  EventEnvelope,
  HoldRejected,
  HoldRejectedPayload,
  JobExpired,
  JobExpiredPayload,
  JobMatched,
  JobMatchedPayload,
  JobUnmatched,
  JobUnmatchedPayload,
  WorkloadFinished,
  WorkloadFinishedPayload,
  WorkloadStarted,
  WorkloadStartedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { matchReasons } from '../domain/match-reasons';
import { JobsTable } from './jobs-table';

/**
 * The job read model follows the lifecycle events. They come on different topics, so each update says which
 * placement it is about: an event about an older placement (a failover replaced it) only joins the timeline; a
 * start seen before its match still marks the job running; a terminal status is only left for a newer placement.
 * Events about jobs the gateway did not take (other gateways' tests, say) change nothing.
 */
abstract class JobStatusHandler<T> implements EventHandler<T> {
  abstract readonly name: string;
  abstract readonly contract: EventHandler<T>['contract'];

  constructor(@Inject(JobsTable) protected readonly jobs: JobsTable) {}

  abstract handle(event: EventEnvelope<T>, tx: EntityManager): Promise<void>;

  protected entry(event: EventEnvelope, name: string, detail?: string): string {
    return JSON.stringify([{ at: event.occurredAt, event: name, ...(detail ? { detail } : {}) }]);
  }
}

@Injectable()
@ConsumesEvents()
export class JobMatchedStatusHandler extends JobStatusHandler<JobMatchedPayload> {
  readonly name = 'gateway.job-status-matched';
  readonly contract = JobMatched;

  async handle(event: EventEnvelope<JobMatchedPayload>, tx: EntityManager): Promise<void> {
    const m = event.payload;
    const nodes = m.allocations.map((a) => ({ cluster: a.clusterId, node: a.nodeName, gpus: a.gpus }));
    await tx.query(
      `UPDATE ${this.jobs.table} SET
         status = CASE WHEN reservation_id = $2 AND status IN ('running', 'succeeded', 'failed') THEN status
                       WHEN status IN ('cancelled', 'expired') THEN status ELSE 'matched' END,
         reason = NULL, reservation_id = $2, attempt = $3, allocation = $4, price_per_gpu_hour_micros = $5,
         updated_at = now(), timeline = timeline || $6::jsonb
       WHERE job_id = $1 AND (attempt IS NULL OR attempt <= $3)`,
      [
        m.jobId,
        m.reservationId,
        m.attempt,
        JSON.stringify(nodes),
        m.allocations[0].pricePerGpuHour.micros,
        this.entry(event, 'matched', `${nodes.length} node(s), attempt ${m.attempt}`),
      ],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class JobUnmatchedStatusHandler extends JobStatusHandler<JobUnmatchedPayload> {
  readonly name = 'gateway.job-status-unmatched';
  readonly contract = JobUnmatched;

  async handle(event: EventEnvelope<JobUnmatchedPayload>, tx: EntityManager): Promise<void> {
    const reasons = matchReasons(event.payload).join('; ').slice(0, 900);
    await tx.query(
      `UPDATE ${this.jobs.table} SET reason = $2, updated_at = now(), timeline = timeline || $3::jsonb
       WHERE job_id = $1 AND status = 'queued'`,
      [event.payload.jobId, reasons, this.entry(event, 'unmatched')],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class JobExpiredStatusHandler extends JobStatusHandler<JobExpiredPayload> {
  readonly name = 'gateway.job-status-expired';
  readonly contract = JobExpired;

  async handle(event: EventEnvelope<JobExpiredPayload>, tx: EntityManager): Promise<void> {
    await tx.query(
      `UPDATE ${this.jobs.table} SET status = 'expired', updated_at = now(), timeline = timeline || $2::jsonb
       WHERE job_id = $1 AND status = 'queued'`,
      [event.payload.jobId, this.entry(event, 'expired')],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class WorkloadStartedStatusHandler extends JobStatusHandler<WorkloadStartedPayload> {
  readonly name = 'gateway.job-status-started';
  readonly contract = WorkloadStarted;

  async handle(event: EventEnvelope<WorkloadStartedPayload>, tx: EntityManager): Promise<void> {
    const started = event.payload;
    await tx.query(
      `UPDATE ${this.jobs.table} SET
         status = CASE WHEN status IN ('queued', 'matched') THEN 'running' ELSE status END,
         reservation_id = coalesce(reservation_id, $2), updated_at = now(), timeline = timeline || $3::jsonb
       WHERE job_id = $1 AND (reservation_id IS NULL OR reservation_id = $2)`,
      [started.jobId, started.reservationId, this.entry(event, 'running')],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class WorkloadFinishedStatusHandler extends JobStatusHandler<WorkloadFinishedPayload> {
  readonly name = 'gateway.job-status-finished';
  readonly contract = WorkloadFinished;

  async handle(event: EventEnvelope<WorkloadFinishedPayload>, tx: EntityManager): Promise<void> {
    const f = event.payload;
    // Matching requeues preempted work as it preempts it: the job waits for capacity again, it has not failed.
    const status =
      f.outcome === 'succeeded'
        ? 'succeeded'
        : f.reason === 'cancelled'
          ? 'cancelled'
          : f.reason === 'preempted'
            ? 'queued'
            : 'failed';
    await tx.query(
      `UPDATE ${this.jobs.table} SET status = $3, reason = $4, updated_at = now(), timeline = timeline || $5::jsonb
       WHERE job_id = $1 AND (reservation_id IS NULL OR reservation_id = $2)`,
      [f.jobId, f.reservationId, status, f.reason ?? null, this.entry(event, status, f.detail ?? f.reason)],
    );
    // Another placement's end only joins the timeline.
    await tx.query(
      `UPDATE ${this.jobs.table} SET timeline = timeline || $3::jsonb
       WHERE job_id = $1 AND reservation_id IS NOT NULL AND reservation_id <> $2`,
      [f.jobId, f.reservationId, this.entry(event, `earlier placement ${status}`, f.reason)],
    );
  }
}

@Injectable()
@ConsumesEvents()
export class HoldRejectedStatusHandler extends JobStatusHandler<HoldRejectedPayload> {
  readonly name = 'gateway.job-status-hold-rejected';
  readonly contract = HoldRejected;

  async handle(event: EventEnvelope<HoldRejectedPayload>, tx: EntityManager): Promise<void> {
    await tx.query(
      `UPDATE ${this.jobs.table} SET status = 'failed', reason = 'insufficient-credit', updated_at = now(),
         timeline = timeline || $3::jsonb
       WHERE job_id = $1 AND (reservation_id IS NULL OR reservation_id = $2) AND status NOT IN ('succeeded', 'cancelled')`,
      [
        event.payload.jobId,
        event.payload.reservationId,
        this.entry(event, 'failed', 'insufficient credit for the hold'),
      ],
    );
  }
}
