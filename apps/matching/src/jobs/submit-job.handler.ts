import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { causedBy, EventEnvelope, JobSubmitted, JobSubmittedPayload } from '@gridex/contracts';
import { EventHandler, RejectedEventError } from '@gridex/messaging';
import { ConsumesEvents, SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { PlacementService } from '../placement/placement.service';
import { JobStore } from './job.store';

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
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(PlacementService) private readonly placement: PlacementService,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
  ) {}

  async handle(event: EventEnvelope<JobSubmittedPayload>, tx: EntityManager): Promise<void> {
    const spec = event.payload;
    if (spec.maxPricePerGpuHour.currency !== this.config.MATCHING_CURRENCY) {
      throw new RejectedEventError(
        `job ${spec.jobId} caps its price in ${spec.maxPricePerGpuHour.currency}; this market trades in ` +
          this.config.MATCHING_CURRENCY,
        'MATCHING.CURRENCY_MISMATCH',
      );
    }
    const submittedAt = new Date(event.occurredAt);
    const queueDeadline = spec.queueDeadline
      ? new Date(spec.queueDeadline)
      : new Date(submittedAt.getTime() + this.config.MATCHING_QUEUE_TTL_SECONDS * 1000);
    const job = await this.jobs.insertQueued(tx, {
      spec,
      correlationId: event.correlationId,
      submittedAt,
      queueDeadline,
    });
    // Already known: a redelivery under another event id, or a cancellation that arrived first.
    if (!job) return;
    const placed = await this.placement.tryPlace(tx, job, causedBy(event));
    if (!placed) await this.placement.recordUnmatched(tx, job, causedBy(event));
  }
}
