import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { causedBy, EventEnvelope, JobSubmitted, JobSubmittedPayload } from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { MatchingTables } from '../database/matching-tables';
import { JobRow, PlacementService } from '../placement/placement.service';

/**
 * A new job: recorded, then placed at once if anything fits; otherwise job.unmatched says why and the job waits
 * in the queue (until capacity frees up or its queue deadline passes).
 */
@Injectable()
@ConsumesEvents()
export class SubmitJobHandler implements EventHandler<JobSubmittedPayload> {
  readonly name = 'matching.place-submitted-job';
  readonly contract = JobSubmitted;

  constructor(
    @Inject(MatchingTables) private readonly tables: MatchingTables,
    @Inject(PlacementService) private readonly placement: PlacementService,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  async handle(event: EventEnvelope<JobSubmittedPayload>, tx: EntityManager): Promise<void> {
    const job = event.payload;
    if (job.maxPricePerGpuHour.currency !== this.config.MATCHING_CURRENCY) {
      throw new RejectedEventError(
        `job ${job.jobId} caps its price in ${job.maxPricePerGpuHour.currency}; this market trades in ` +
          this.config.MATCHING_CURRENCY,
        'MATCHING.CURRENCY_MISMATCH',
      );
    }
    const submittedAt = new Date(event.occurredAt);
    const deadline = job.queueDeadline
      ? new Date(job.queueDeadline)
      : new Date(submittedAt.getTime() + this.config.MATCHING_QUEUE_TTL_SECONDS * 1000);
    const inserted: JobRow[] = await tx.query(
      `WITH inserted AS (
         INSERT INTO ${this.tables.jobs} (job_id, tenant_id, correlation_id, spec, tier, priority, submitted_at,
           queue_deadline, state, retry_budget)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9)
         ON CONFLICT (job_id) DO NOTHING RETURNING *)
       SELECT * FROM inserted`,
      [
        job.jobId,
        job.tenantId,
        event.correlationId,
        JSON.stringify(job),
        job.tier,
        job.priority,
        submittedAt,
        deadline,
        job.retryBudget ?? 0,
      ],
    );
    // Already known: a redelivery under another event id, or a cancellation that arrived first.
    if (inserted.length === 0) return;
    const placed = await this.placement.tryPlace(tx, inserted[0], causedBy(event));
    if (!placed) await this.placement.recordUnmatched(tx, inserted[0], causedBy(event));
  }
}
