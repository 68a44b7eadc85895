import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, WorkloadStarted, WorkloadStartedPayload } from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { MatchingTables } from '../database/matching-tables';

/** The job's workload runs: the job is running (the reservation is unchanged). */
@Injectable()
@ConsumesEvents()
export class WorkloadStartedHandler implements EventHandler<WorkloadStartedPayload> {
  readonly name = 'matching.mark-job-running';
  readonly contract = WorkloadStarted;

  constructor(@Inject(MatchingTables) private readonly tables: MatchingTables) {}

  async handle(event: EventEnvelope<WorkloadStartedPayload>, tx: EntityManager): Promise<void> {
    await tx.query(
      `UPDATE ${this.tables.jobs} SET state = 'running', updated_at = now()
       WHERE job_id = $1 AND reservation_id = $2 AND state = 'matched'`,
      [event.payload.jobId, event.payload.reservationId],
    );
  }
}
