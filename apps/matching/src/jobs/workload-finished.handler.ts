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
import { MatchingTables } from '../database/matching-tables';
import { JobRow, PlacementService } from '../placement/placement.service';

/** Failure reasons caused by the node or its supplier, not by the job: these fail over. */
const SUPPLIER_FAULTS: ReadonlySet<string> = new Set(['node-lost']);

/** The job state a finished workload leaves, when the job does not fail over. */
function finalState(event: WorkloadFinishedPayload): 'succeeded' | 'cancelled' | 'failed' {
  if (event.outcome === 'succeeded') return 'succeeded';
  return event.reason === 'cancelled' ? 'cancelled' : 'failed';
}

/**
 * A workload ended: its reservation is released (once). A workload lost to its node or supplier is placed
 * again elsewhere, never on the nodes that failed it, while the job's retry budget lasts. A workload stopped by
 * preemption was already requeued when it was preempted; its end only frees nothing twice.
 */
@Injectable()
@ConsumesEvents()
export class WorkloadFinishedHandler implements EventHandler<WorkloadFinishedPayload> {
  readonly name = 'matching.release-or-fail-over';
  readonly contract = WorkloadFinished;
  private readonly failovers;

  constructor(
    @Inject(MatchingTables) private readonly tables: MatchingTables,
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
    const jobs: JobRow[] = await tx.query(
      `SELECT * FROM ${this.tables.jobs} WHERE job_id = $1 AND reservation_id = $2 FOR UPDATE`,
      [finished.jobId, finished.reservationId],
    );
    const job = jobs[0];
    // Not the job's current reservation (preempted, or an older attempt): nothing more to decide.
    if (!job || job.state === 'cancelled') {
      if (job) await this.setState(tx, job.job_id, 'cancelled');
      return;
    }
    const failsOver = finished.outcome === 'failed' && SUPPLIER_FAULTS.has(finished.reason ?? '');
    if (!failsOver) {
      await this.setState(tx, job.job_id, finalState(finished));
      return;
    }
    if (job.failovers >= job.retry_budget) {
      this.failovers.inc({ outcome: 'exhausted' });
      await this.setState(tx, job.job_id, 'failed');
      return;
    }
    const lost = await this.lostNodes(tx, finished);
    const requeued: JobRow[] = await tx.query(
      `WITH requeued AS (
         UPDATE ${this.tables.jobs}
         SET state = 'queued', reservation_id = NULL, failovers = failovers + 1, updated_at = $3,
             excluded_node_ids = ARRAY(SELECT DISTINCT unnest(excluded_node_ids || $2::uuid[]))
         WHERE job_id = $1 RETURNING *)
       SELECT * FROM requeued`,
      [job.job_id, lost, now],
    );
    const placed = await this.placement.tryPlace(tx, requeued[0], causedBy(event), now);
    this.failovers.inc({ outcome: placed ? 'replaced' : 'queued' });
    if (!placed) await this.placement.recordUnmatched(tx, requeued[0], causedBy(event), now);
  }

  /** The nodes to avoid: those the orchestrator names, or else every node of the failed reservation. */
  private async lostNodes(tx: EntityManager, finished: WorkloadFinishedPayload): Promise<string[]> {
    if (finished.failedNodes && finished.failedNodes.length > 0) {
      return finished.failedNodes.map((n) => deterministicUuid(IdNamespaces.node, n.clusterId, n.nodeName));
    }
    const rows: Array<{ allocations: Array<{ nodeId: string }> }> = await tx.query(
      `SELECT allocations FROM ${this.tables.reservations} WHERE reservation_id = $1`,
      [finished.reservationId],
    );
    return rows[0]?.allocations.map((a) => a.nodeId) ?? [];
  }

  private async setState(tx: EntityManager, jobId: string, state: string): Promise<void> {
    await tx.query(`UPDATE ${this.tables.jobs} SET state = $2, updated_at = now() WHERE job_id = $1`, [
      jobId,
      state,
    ]);
  }
}
