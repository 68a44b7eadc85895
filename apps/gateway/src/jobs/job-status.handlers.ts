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
import { microsToDecimal } from '../domain/api-money';
import { JobStatusInput, jobStatusChange, ScoredOffer } from '../domain/job-status';
import { matchReasons } from '../domain/match-reasons';
import { JobStore } from './job.store';

/**
 * The job read model follows the lifecycle events: each handler turns its event into an input of the status
 * rules (`domain/job-status.ts`), which decide what changes. Events about jobs the gateway did not take (other
 * gateways' tests, say) change nothing.
 */
abstract class JobStatusHandler<T extends { jobId: string }> implements EventHandler<T> {
  abstract readonly name: string;
  abstract readonly contract: EventHandler<T>['contract'];

  constructor(@Inject(JobStore) private readonly jobs: JobStore) {}

  protected abstract input(payload: T): JobStatusInput;

  async handle(event: EventEnvelope<T>, tx: EntityManager): Promise<void> {
    const job = await this.jobs.lockStatus(tx, event.payload.jobId);
    if (!job) return;
    const change = jobStatusChange(job, this.input(event.payload));
    if (change) await this.jobs.apply(tx, event.payload.jobId, change, event.occurredAt);
  }
}

@Injectable()
@ConsumesEvents()
export class JobMatchedStatusHandler extends JobStatusHandler<JobMatchedPayload> {
  readonly name = 'gateway.job-status-matched';
  readonly contract = JobMatched;

  protected input(m: JobMatchedPayload): JobStatusInput {
    return {
      kind: 'matched',
      reservationId: m.reservationId,
      attempt: m.attempt,
      allocation: m.allocations.map((a) => ({
        cluster: a.clusterId,
        node: a.nodeName,
        gpus: a.gpus,
        ...(a.networkId === undefined ? {} : { network: a.networkId }),
      })),
      pricePerGpuHourMicros: m.allocations[0].pricePerGpuHour.micros,
      ...(m.explanation
        ? {
            explanation: {
              chosen: scoredOffer(m.explanation.chosen),
              runnerUp: m.explanation.runnerUp ? scoredOffer(m.explanation.runnerUp) : null,
            },
          }
        : {}),
    };
  }
}

/** An offer's score from job-matched, in the API's terms. */
function scoredOffer(offer: NonNullable<JobMatchedPayload['explanation']>['chosen']): ScoredOffer {
  return {
    node: offer.nodeName,
    region: offer.region,
    supplier: offer.supplierId,
    network: offer.networkId ?? null,
    pricePerGpuHour: microsToDecimal(BigInt(offer.pricePerGpuHour.micros)),
    score: offer.score,
  };
}

@Injectable()
@ConsumesEvents()
export class JobUnmatchedStatusHandler extends JobStatusHandler<JobUnmatchedPayload> {
  readonly name = 'gateway.job-status-unmatched';
  readonly contract = JobUnmatched;

  protected input(payload: JobUnmatchedPayload): JobStatusInput {
    return {
      kind: 'unmatched',
      reasons: matchReasons(payload).join('; ').slice(0, 900),
      ...(payload.attempt !== undefined ? { attempt: payload.attempt } : {}),
    };
  }
}

@Injectable()
@ConsumesEvents()
export class JobExpiredStatusHandler extends JobStatusHandler<JobExpiredPayload> {
  readonly name = 'gateway.job-status-expired';
  readonly contract = JobExpired;

  protected input(): JobStatusInput {
    return { kind: 'expired' };
  }
}

@Injectable()
@ConsumesEvents()
export class WorkloadStartedStatusHandler extends JobStatusHandler<WorkloadStartedPayload> {
  readonly name = 'gateway.job-status-started';
  readonly contract = WorkloadStarted;

  protected input(started: WorkloadStartedPayload): JobStatusInput {
    return { kind: 'started', reservationId: started.reservationId, startedAt: started.startedAt };
  }
}

@Injectable()
@ConsumesEvents()
export class WorkloadFinishedStatusHandler extends JobStatusHandler<WorkloadFinishedPayload> {
  readonly name = 'gateway.job-status-finished';
  readonly contract = WorkloadFinished;

  protected input(f: WorkloadFinishedPayload): JobStatusInput {
    return {
      kind: 'finished',
      reservationId: f.reservationId,
      ...(f.startedAt ? { startedAt: f.startedAt } : {}),
      finishedAt: f.finishedAt,
      outcome: f.outcome,
      reason: f.reason,
      detail: f.detail,
    };
  }
}

@Injectable()
@ConsumesEvents()
export class HoldRejectedStatusHandler extends JobStatusHandler<HoldRejectedPayload> {
  readonly name = 'gateway.job-status-hold-rejected';
  readonly contract = HoldRejected;

  protected input(payload: HoldRejectedPayload): JobStatusInput {
    return { kind: 'hold-rejected', reservationId: payload.reservationId };
  }
}
