import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  causedBy,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  WorkloadFinished,
  WorkloadFinishedPayload,
} from '@gridex/contracts';
import { EventHandler } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { ConsumesEvents } from '@gridex/runtime';
import { afterWorkloadFinished } from '../domain/job-lifecycle';
import { PlacementService } from '../placement/placement.service';
import { ReservationStore } from '../placement/reservation.store';
import { JobStore } from './job.store';

/**
 * A workload ended: its reservation is released (once), then `afterWorkloadFinished` decides the job's fate. A
 * workload lost to its node or supplier is placed again elsewhere, never on the nodes that failed it, while the
 * job's retry budget lasts. A workload stopped by preemption was already requeued when it was preempted (the job
 * no longer holds its reservation), so its end only frees nothing twice.
 */
@Injectable()
@ConsumesEvents()
export class WorkloadFinishedHandler implements EventHandler<WorkloadFinishedPayload> {
  readonly name = 'matching.release-or-fail-over';
  readonly contract = WorkloadFinished;
  private readonly failovers;

  constructor(
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(ReservationStore) private readonly reservations: ReservationStore,
    @Inject(PlacementService) private readonly placement: PlacementService,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.failovers = metrics.counter(
      'failovers_total',
      'Jobs placed again after their node or supplier failed them, by outcome (replaced, queued, exhausted)',
      ['outcome'],
    );
  }

  async handle(event: EventEnvelope<WorkloadFinishedPayload>, tx: EntityManager): Promise<void> {
    const finished = event.payload;
    const now = new Date(finished.finishedAt);
    await this.placement.release(tx, finished.reservationId, finished.reason ?? finished.outcome, now);
    const job = await this.jobs.lockByReservation(tx, finished.jobId, finished.reservationId);
    // Not the job's current reservation (preempted, or an older attempt): nothing more to decide.
    if (!job) return;
    const decision = afterWorkloadFinished(
      { state: job.state, failovers: job.failovers, retryBudget: job.retry_budget },
      finished,
    );
    switch (decision.kind) {
      case 'end':
        await this.jobs.setState(tx, job.job_id, decision.state);
        return;
      case 'retries-exhausted':
        this.failovers.inc({ outcome: 'exhausted' });
        await this.jobs.setState(tx, job.job_id, 'failed');
        return;
      case 'fail-over': {
        const requeued = await this.jobs.requeueForFailover(
          tx,
          job.job_id,
          await this.lostNodes(tx, finished),
          now,
        );
        const placed = await this.placement.tryPlace(tx, requeued, causedBy(event), now);
        this.failovers.inc({ outcome: placed ? 'replaced' : 'queued' });
        if (!placed) await this.placement.recordUnmatched(tx, requeued, causedBy(event), now);
      }
    }
  }

  /** The nodes to avoid: those the orchestrator names, or else every node of the failed reservation. */
  private async lostNodes(tx: EntityManager, finished: WorkloadFinishedPayload): Promise<string[]> {
    if (finished.failedNodes && finished.failedNodes.length > 0) {
      return finished.failedNodes.map((n) => deterministicUuid(IdNamespaces.node, n.clusterId, n.nodeName));
    }
    const allocations = await this.reservations.allocationsOf(tx, finished.reservationId);
    return allocations.map((a) => a.nodeId);
  }
}
