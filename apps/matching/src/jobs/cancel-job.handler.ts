import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, JobCancelled, JobCancelledPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { JobStore } from './job.store';

/**
 * A client cancelled: a queued job leaves the queue. A placed job is marked cancelled and keeps its
 * reservation until the orchestrator reports its workload finished (its pods may still hold the GPUs).
 */
@Injectable()
@ConsumesEvents()
export class CancelJobHandler implements EventHandler<JobCancelledPayload> {
  readonly name = 'matching.cancel-job';
  readonly contract = JobCancelled;

  constructor(@Inject(JobStore) private readonly jobs: JobStore) {}

  async handle(event: EventEnvelope<JobCancelledPayload>, tx: EntityManager): Promise<void> {
    const { jobId, requestedAt } = event.payload;
    await this.jobs.cancel(
      tx,
      jobId,
      event.tenantId ?? 'unknown',
      event.correlationId,
      new Date(requestedAt),
    );
  }
}
