import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, JobCancelled, JobCancelledPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { MatchingTables } from '../database/matching-tables';

/**
 * A client cancelled: a queued job leaves the queue. A placed job is marked cancelled and keeps its
 * reservation until the orchestrator reports its workload finished (its pods may still hold the GPUs). A
 * cancellation that overtakes its submission leaves a cancelled record, so the late submission is ignored.
 */
@Injectable()
@ConsumesEvents()
export class CancelJobHandler implements EventHandler<JobCancelledPayload> {
  readonly name = 'matching.cancel-job';
  readonly contract = JobCancelled;

  constructor(@Inject(MatchingTables) private readonly tables: MatchingTables) {}

  async handle(event: EventEnvelope<JobCancelledPayload>, tx: EntityManager): Promise<void> {
    const { jobId, requestedAt } = event.payload;
    await tx.query(
      `INSERT INTO ${this.tables.jobs} (job_id, tenant_id, correlation_id, spec, tier, priority, submitted_at,
         queue_deadline, state)
       VALUES ($1, $2, $3, '{}', 'on-demand', 0, $4, $4, 'cancelled')
       ON CONFLICT (job_id) DO UPDATE SET state = 'cancelled', updated_at = $4
       WHERE ${this.tables.jobs}.state IN ('queued', 'matched', 'running')`,
      [jobId, event.tenantId ?? 'unknown', event.correlationId, new Date(requestedAt)],
    );
  }
}
