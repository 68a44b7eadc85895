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
import { StopReason } from '../domain/workload-lifecycle';
import { WorkloadLifecycle } from './workload-lifecycle.service';

type StopTarget = { jobId: string } | { reservationId: string };

/**
 * A command that stops a workload: each event names its target (a job or a reservation) and the reason the
 * workload is reported failed with.
 */
abstract class StopWorkloadHandler<T> implements EventHandler<T> {
  abstract readonly name: string;
  abstract readonly contract: EventHandler<T>['contract'];
  protected abstract readonly reason: StopReason;

  constructor(@Inject(WorkloadLifecycle) private readonly workloads: WorkloadLifecycle) {}

  protected abstract targetOf(payload: T): StopTarget;

  async handle(event: EventEnvelope<T>, tx: EntityManager): Promise<void> {
    await this.workloads.stop(tx, this.targetOf(event.payload), this.reason, causedBy(event));
  }
}

/** The client cancelled: stop whatever runs of the job (or refuse its allocation when it comes). */
@Injectable()
@ConsumesEvents()
export class CancelWorkloadHandler extends StopWorkloadHandler<JobCancelledPayload> {
  readonly name = 'orchestrator.cancel-workload';
  readonly contract = JobCancelled;
  protected readonly reason = 'cancelled';

  protected targetOf(payload: JobCancelledPayload): StopTarget {
    return { jobId: payload.jobId };
  }
}

/** Matching gave an interruptible job's GPUs to on-demand work: stop it. */
@Injectable()
@ConsumesEvents()
export class PreemptWorkloadHandler extends StopWorkloadHandler<JobPreemptedPayload> {
  readonly name = 'orchestrator.preempt-workload';
  readonly contract = JobPreempted;
  protected readonly reason = 'preempted';

  protected targetOf(payload: JobPreemptedPayload): StopTarget {
    return { reservationId: payload.reservationId };
  }
}

/** Billing says the tenant cannot pay for more: stop the workload. */
@Injectable()
@ConsumesEvents()
export class StopForCreditHandler extends StopWorkloadHandler<CreditExhaustedPayload> {
  readonly name = 'orchestrator.stop-for-credit';
  readonly contract = CreditExhausted;
  protected readonly reason = 'credit-exhausted';

  protected targetOf(payload: CreditExhaustedPayload): StopTarget {
    return { reservationId: payload.reservationId };
  }
}

/** Billing could not hold the job's expected cost: end the waiting workload (or refuse it when its allocation comes). */
@Injectable()
@ConsumesEvents()
export class StopForRejectedHoldHandler extends StopWorkloadHandler<HoldRejectedPayload> {
  readonly name = 'orchestrator.stop-for-rejected-hold';
  readonly contract = HoldRejected;
  protected readonly reason = 'credit-exhausted';

  protected targetOf(payload: HoldRejectedPayload): StopTarget {
    return { reservationId: payload.reservationId };
  }
}
