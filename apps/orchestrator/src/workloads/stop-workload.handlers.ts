import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  CreditExhausted,
  CreditExhaustedPayload,
  EventEnvelope,
  HoldRejected,
  HoldRejectedPayload,
  JobCancelled,
  JobCancelledPayload,
  JobPreempted,
  JobPreemptedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ConsumesEvents } from '@gridex/runtime';
import { WorkloadsService } from './workloads.service';

/** The client cancelled: stop whatever runs of the job (or refuse its allocation when it comes). */
@Injectable()
@ConsumesEvents()
export class CancelWorkloadHandler implements EventHandler<JobCancelledPayload> {
  readonly name = 'orchestrator.cancel-workload';
  readonly contract = JobCancelled;

  constructor(@Inject(WorkloadsService) private readonly workloads: WorkloadsService) {}

  async handle(event: EventEnvelope<JobCancelledPayload>, tx: EntityManager): Promise<void> {
    await this.workloads.stop(tx, { jobId: event.payload.jobId }, 'cancelled', causedBy(event));
  }
}

/** Matching gave an interruptible job's GPUs to on-demand work: stop it. */
@Injectable()
@ConsumesEvents()
export class PreemptWorkloadHandler implements EventHandler<JobPreemptedPayload> {
  readonly name = 'orchestrator.preempt-workload';
  readonly contract = JobPreempted;

  constructor(@Inject(WorkloadsService) private readonly workloads: WorkloadsService) {}

  async handle(event: EventEnvelope<JobPreemptedPayload>, tx: EntityManager): Promise<void> {
    await this.workloads.stop(
      tx,
      { reservationId: event.payload.reservationId },
      'preempted',
      causedBy(event),
    );
  }
}

/** Billing says the tenant cannot pay for more: stop the workload. */
@Injectable()
@ConsumesEvents()
export class StopForCreditHandler implements EventHandler<CreditExhaustedPayload> {
  readonly name = 'orchestrator.stop-for-credit';
  readonly contract = CreditExhausted;

  constructor(@Inject(WorkloadsService) private readonly workloads: WorkloadsService) {}

  async handle(event: EventEnvelope<CreditExhaustedPayload>, tx: EntityManager): Promise<void> {
    await this.workloads.stop(
      tx,
      { reservationId: event.payload.reservationId },
      'credit-exhausted',
      causedBy(event),
    );
  }
}

/** Billing could not hold the job's expected cost: stop the workload (or refuse it when its allocation comes). */
@Injectable()
@ConsumesEvents()
export class StopForRejectedHoldHandler implements EventHandler<HoldRejectedPayload> {
  readonly name = 'orchestrator.stop-for-rejected-hold';
  readonly contract = HoldRejected;

  constructor(@Inject(WorkloadsService) private readonly workloads: WorkloadsService) {}

  async handle(event: EventEnvelope<HoldRejectedPayload>, tx: EntityManager): Promise<void> {
    await this.workloads.stop(
      tx,
      { reservationId: event.payload.reservationId },
      'credit-exhausted',
      causedBy(event),
    );
  }
}
