import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, WorkloadStarted, WorkloadStartedPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { JobStore } from './job.store';

/** The job's workload runs: the job is running (the reservation is unchanged). */
@Injectable()
@ConsumesEvents()
export class WorkloadStartedHandler implements EventHandler<WorkloadStartedPayload> {
  readonly name = 'matching.mark-job-running';
  readonly contract = WorkloadStarted;

  constructor(@Inject(JobStore) private readonly jobs: JobStore) {}

  async handle(event: EventEnvelope<WorkloadStartedPayload>, tx: EntityManager): Promise<void> {
    await this.jobs.transitionPlacement(tx, event.payload.jobId, event.payload.reservationId, 'start');
  }
}
