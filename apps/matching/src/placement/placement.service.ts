import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  deterministicUuid,
  EventOrigin,
  IdNamespaces,
  JobMatched,
  JobPreempted,
  JobUnmatched,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { ReservationSync } from '../book/reservation-sync.service';
import { MatchingConfig } from '../config/matching.config';
import { Explanation, OfferBook, Placement, PlacementScore } from '../domain/offer-book';
import { noFit, placementRequestFor } from '../domain/placement-request';
import { planPreemption, PreemptibleReservation } from '../domain/preemption';
import { JobRow, JobStore } from '../jobs/job.store';
import { CounterChange, ReservationStore, StoredAllocation } from './reservation.store';

/** How many times a placement is retried after another replica took one of its nodes first. */
const CONFLICT_RETRIES = 3;

/**
 * Reserves capacity for jobs and gives it back, keeping three things in agreement: the offer book in memory (fast
 * decisions), the per-node reservation counters in the database (the authority every replica shares) and the
 * events other services act on (through the outbox, in the same transaction).
 *
 * A placement chosen from the book is confirmed under row locks: the nodes' counter rows are locked in node-id
 * order (so two placements cannot deadlock on each other's nodes), the database counts are re-checked against
 * the node's GPUs, and only then are they raised. If another replica got there first, the book learns the true
 * counts and the decision is taken again.
 */
@Injectable()
export class PlacementService {
  private readonly decisions;
  private readonly conflicts;
  private readonly preemptions;

  constructor(
    @Inject(OfferBook) private readonly book: OfferBook,
    @Inject(ReservationSync) private readonly sync: ReservationSync,
    @Inject(JobStore) private readonly jobs: JobStore,
    @Inject(ReservationStore) private readonly reservations: ReservationStore,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: MatchingConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.decisions = metrics.counter(
      'decisions_total',
      'Placement decisions, by outcome (matched, preempted: matched by stopping interruptible work, unmatched)',
      ['outcome'],
    );
    this.conflicts = metrics.counter(
      'reservation_conflicts_total',
      'Placements whose nodes another replica had reserved first (the decision was taken again)',
    );
    this.preemptions = metrics.counter('preemptions_total', 'Interruptible jobs stopped for on-demand work');
  }

  /** Why nothing fits the job now (a linear pass over the book: only for jobs being queued or quoted). */
  explain(job: Pick<JobRow, 'spec' | 'excluded_node_ids'>): Explanation {
    return this.book.explain(placementRequestFor(job.spec, job.excluded_node_ids));
  }

  /**
   * Places the job now if anything fits (preempting interruptible work for on-demand jobs when nothing else
   * does): reserves, marks the job matched and emits job.matched. False when nothing fits.
   */
  async tryPlace(tx: EntityManager, job: JobRow, origin: EventOrigin, now = new Date()): Promise<boolean> {
    const request = placementRequestFor(job.spec, job.excluded_node_ids);
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt += 1) {
      let placement = this.book.place(request);
      // Explained now, before its GPUs leave the book: the runner-up is what the job would have got otherwise.
      const explanation = placement ? this.book.explainPlacement(request, placement) : undefined;
      let victims: PreemptibleReservation[] = [];
      if (!placement && request.tier === 'on-demand') {
        const plan = planPreemption(this.book, request, await this.reservations.preemptible(tx));
        if (plan) ({ placement, victims } = plan);
      }
      if (!placement) {
        this.decisions.inc({ outcome: 'unmatched' });
        return false;
      }
      // Take the victims' GPUs and the placement's in the book at once, before any await, so that concurrent
      // decisions in this process see them.
      for (const victim of victims) this.book.release(victim.allocations);
      this.book.reserve(placement.allocations);
      const confirmed = await this.confirm(tx, placement, victims);
      if (!confirmed) {
        this.book.release(placement.allocations);
        for (const victim of victims) this.book.reserve(victim.allocations);
        this.conflicts.inc();
        // Another replica was faster: catch up with everything it committed before deciding again.
        await this.sync.syncChanges();
        continue;
      }
      for (const victim of victims) await this.preempt(tx, victim, job, origin, now);
      await this.recordMatch(tx, job, placement, origin, now, explanation);
      this.decisions.inc({ outcome: victims.length > 0 ? 'preempted' : 'matched' });
      return true;
    }
    this.decisions.inc({ outcome: 'unmatched' });
    return false;
  }

  /** Gives a reservation's GPUs back (once: a released reservation is not released again). */
  async release(
    tx: EntityManager,
    reservationId: string,
    reason: string,
    now = new Date(),
  ): Promise<boolean> {
    const allocations = await this.reservations.release(tx, reservationId, reason, now);
    if (!allocations) return false;
    await this.changeCounters(tx, allocations, -1);
    return true;
  }

  /**
   * Confirms a placement against the database: locks the counters of every node involved, checks that the
   * GPUs are there once the victims' are given back, and records the new counts. False when another replica
   * reserved first (nothing was written; the book now knows the true counts).
   */
  private async confirm(
    tx: EntityManager,
    placement: Placement,
    victims: PreemptibleReservation[],
  ): Promise<boolean> {
    const freed = new Map<string, number>();
    for (const victim of victims) {
      for (const a of victim.allocations) freed.set(a.nodeId, (freed.get(a.nodeId) ?? 0) + a.gpus);
    }
    // Victims must still hold their reservations: lock them so a concurrent release cannot free them twice.
    if (victims.length > 0) {
      const active = await this.reservations.lockActive(
        tx,
        victims.map((v) => v.reservationId),
      );
      if (active !== victims.length) return false;
    }
    const wanted = new Map<string, number>();
    for (const a of placement.allocations) wanted.set(a.nodeId, (wanted.get(a.nodeId) ?? 0) + a.gpus);
    const nodeIds = [...new Set([...wanted.keys(), ...freed.keys()])].sort();
    const locked = await this.reservations.lockCounters(tx, nodeIds);
    let fits = true;
    for (const row of locked) {
      const node = this.book.get(row.node_id);
      const after = row.reserved_gpus - (freed.get(row.node_id) ?? 0) + (wanted.get(row.node_id) ?? 0);
      if (wanted.has(row.node_id) && (!node || !node.schedulable || after > node.allocatableGpus)) {
        fits = false;
        // The book was behind the database: learn the truth (our tentative GPUs are added back by the caller's
        // release, so record the database count plus what the book holds for this placement).
        this.sync.noteReserved(row.node_id, row.reserved_gpus + (wanted.get(row.node_id) ?? 0));
      }
    }
    if (!fits) return false;
    const changes = nodeIds.map((nodeId) => ({
      nodeId,
      gpus: (wanted.get(nodeId) ?? 0) - (freed.get(nodeId) ?? 0),
    }));
    await this.applyCounterChanges(tx, changes);
    return true;
  }

  private async changeCounters(
    tx: EntityManager,
    allocations: StoredAllocation[],
    sign: 1 | -1,
  ): Promise<void> {
    const changes = new Map<string, number>();
    for (const a of allocations) changes.set(a.nodeId, (changes.get(a.nodeId) ?? 0) + sign * a.gpus);
    await this.reservations.lockExistingCounters(tx, [...changes.keys()]);
    await this.applyCounterChanges(
      tx,
      [...changes.entries()].map(([nodeId, gpus]) => ({ nodeId, gpus })),
    );
  }

  private async applyCounterChanges(tx: EntityManager, changes: CounterChange[]): Promise<void> {
    const rows = await this.reservations.applyCounterChanges(tx, changes);
    // The book takes the database's counts for every node touched: they include this change and any other
    // replica's committed before it.
    for (const row of rows) this.sync.noteReserved(row.node_id, row.reserved_gpus);
  }

  private async preempt(
    tx: EntityManager,
    victim: PreemptibleReservation,
    by: JobRow,
    origin: EventOrigin,
    now: Date,
  ): Promise<void> {
    await this.reservations.markPreempted(tx, victim.reservationId, now);
    const requeued = await this.jobs.requeuePreempted(tx, victim.jobId, victim.reservationId, now);
    this.preemptions.inc();
    await this.outbox.emit(
      tx,
      JobPreempted,
      {
        jobId: victim.jobId,
        tenantId: requeued?.tenantId ?? 'unknown',
        reservationId: victim.reservationId,
        preemptedByJobId: by.job_id,
        preemptedAt: now.toISOString(),
        requeued: requeued !== undefined,
      },
      { ...origin, tenantId: requeued?.tenantId },
      now,
    );
  }

  private async recordMatch(
    tx: EntityManager,
    job: JobRow,
    placement: Placement,
    origin: EventOrigin,
    now: Date,
    explanation?: { chosen: PlacementScore; runnerUp?: PlacementScore },
  ): Promise<void> {
    const attempt = job.attempt + 1;
    const reservationId = deterministicUuid(IdNamespaces.reservation, job.job_id, attempt);
    const stored: StoredAllocation[] = placement.allocations.map((a) => ({
      nodeId: a.nodeId,
      nodeName: a.nodeName,
      clusterId: a.clusterId,
      supplierId: a.supplierId,
      gpus: a.gpus,
      askMicros: a.askMicros.toString(),
      priceMicros: a.priceMicros.toString(),
    }));
    await this.reservations.insert(tx, {
      reservationId,
      jobId: job.job_id,
      tenantId: job.tenant_id,
      attempt,
      tier: job.tier,
      allocations: stored,
      hourlyValueMicros: placement.allocations.reduce((sum, a) => sum + a.priceMicros * BigInt(a.gpus), 0n),
      createdAt: now,
    });
    await this.jobs.markMatched(tx, job.job_id, attempt, reservationId, now);
    const currency = this.config.MATCHING_CURRENCY;
    await this.outbox.emit(
      tx,
      JobMatched,
      {
        jobId: job.job_id,
        tenantId: job.tenant_id,
        reservationId,
        attempt,
        tier: job.tier,
        expectedDurationSeconds: job.spec.expectedDurationSeconds,
        allocations: placement.allocations.map((a) => ({
          nodeId: a.nodeId,
          clusterId: a.clusterId,
          nodeName: a.nodeName,
          supplierId: a.supplierId,
          ...(a.networkId === undefined ? {} : { networkId: a.networkId }),
          region: a.region,
          gpuProduct: a.gpuProduct,
          gpus: a.gpus,
          pricePerGpuHour: { currency, micros: a.priceMicros.toString() },
          supplierPricePerGpuHour: { currency, micros: a.askMicros.toString() },
        })),
        matchedAt: now.toISOString(),
        image: job.spec.image,
        command: job.spec.command,
        env: job.spec.env,
        secretEnv: job.spec.secretEnv,
        annotations: job.spec.annotations,
        ...(explanation
          ? {
              explanation: {
                chosen: scoreOf(explanation.chosen, currency),
                ...(explanation.runnerUp ? { runnerUp: scoreOf(explanation.runnerUp, currency) } : {}),
              },
            }
          : {}),
      },
      { ...origin, tenantId: job.tenant_id },
      now,
    );
  }

  /** Emits job.unmatched, with the explanation, for a job that was just queued. */
  async recordUnmatched(
    tx: EntityManager,
    job: JobRow,
    origin: EventOrigin,
    now = new Date(),
  ): Promise<void> {
    await this.outbox.emit(
      tx,
      JobUnmatched,
      {
        jobId: job.job_id,
        tenantId: job.tenant_id,
        ...noFit(this.explain(job), this.config.MATCHING_CURRENCY),
        queued: true,
        // -1 until the job was first placed: then there is no attempt to name.
        ...(job.attempt >= 0 ? { attempt: job.attempt } : {}),
      },
      { ...origin, tenantId: job.tenant_id },
      now,
    );
  }
}

/** A placement's score as job-matched carries it. */
function scoreOf(placement: PlacementScore, currency: string) {
  return {
    nodeId: placement.nodeId,
    nodeName: placement.nodeName,
    supplierId: placement.supplierId,
    ...(placement.networkId === undefined ? {} : { networkId: placement.networkId }),
    region: placement.region,
    pricePerGpuHour: { currency, micros: placement.priceMicros.toString() },
    score: placement.score,
  };
}
