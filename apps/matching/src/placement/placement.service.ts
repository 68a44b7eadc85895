import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  createEvent,
  deterministicUuid,
  EventOrigin,
  IdNamespaces,
  JobMatched,
  JobPreempted,
  JobSubmittedPayload,
  JobUnmatched,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { ReservationSync } from '../book/reservation-sync.service';
import { MatchingConfig } from '../config/matching.config';
import { MatchingTables } from '../database/matching-tables';
import { Explanation, NodeAllocation, OfferBook, Placement, PlacementRequest } from '../domain/offer-book';
import { planPreemption, PreemptibleReservation } from '../domain/preemption';

/** A row of the jobs table. */
export interface JobRow {
  job_id: string;
  tenant_id: string;
  correlation_id: string;
  spec: JobSubmittedPayload;
  tier: 'on-demand' | 'interruptible';
  state: string;
  attempt: number;
  retry_budget: number;
  failovers: number;
  excluded_node_ids: string[];
  reservation_id: string | null;
  priority: number;
  submitted_at: Date;
  queue_deadline: Date;
}

/** The engine's view of a job's spec (plus the nodes it already failed on). */
export function placementRequestFor(
  spec: Omit<JobSubmittedPayload, 'jobId' | 'tenantId' | 'image' | 'command'>,
  excludedNodeIds: readonly string[] = [],
): PlacementRequest {
  return {
    gpusPerNode: spec.gpusPerNode,
    nodeCount: spec.nodeCount,
    gpuProducts: spec.gpuProducts,
    minGpuMemoryMiB: spec.minGpuMemoryMiB,
    interconnect: spec.interconnect,
    regions: spec.regions,
    preferredRegions: spec.preferredRegions,
    maxPricePerGpuHourMicros: BigInt(spec.maxPricePerGpuHour.micros),
    minReliabilityBps: spec.minReliabilityBasisPoints,
    verifiedOnly: spec.verifiedOnly,
    tier: spec.tier,
    excludedNodeIds: excludedNodeIds.length > 0 ? new Set(excludedNodeIds) : undefined,
  };
}

/** The job.unmatched payload for an explanation. */
export function unmatchedPayload(
  job: Pick<JobRow, 'job_id' | 'tenant_id'>,
  explanation: Explanation,
  currency: string,
  queued: boolean,
) {
  const { nearMiss } = explanation;
  return {
    jobId: job.job_id,
    tenantId: job.tenant_id,
    code: explanation.code,
    exclusions: explanation.exclusions,
    nearMiss: nearMiss && {
      relax: nearMiss.relax,
      nodeId: nearMiss.nodeId,
      pricePerGpuHour:
        nearMiss.priceMicros === undefined
          ? undefined
          : { currency, micros: nearMiss.priceMicros.toString() },
    },
    queued,
    nodesConsidered: explanation.nodesConsidered,
  };
}

interface StoredAllocation {
  nodeId: string;
  nodeName: string;
  clusterId: string;
  supplierId: string;
  gpus: number;
  askMicros: string;
  priceMicros: string;
}

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
    @Inject(MatchingTables) private readonly tables: MatchingTables,
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
      let victims: PreemptibleReservation[] = [];
      if (!placement && request.tier === 'on-demand') {
        const plan = planPreemption(this.book, request, await this.preemptible(tx));
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
      await this.recordMatch(tx, job, placement, origin, now);
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
    const released: Array<{ allocations: StoredAllocation[] }> = await tx.query(
      `WITH released AS (
         UPDATE ${this.tables.reservations} SET state = 'released', released_at = $2, release_reason = $3
         WHERE reservation_id = $1 AND state = 'active' RETURNING allocations)
       SELECT allocations FROM released`,
      [reservationId, now, reason],
    );
    if (released.length === 0) return false;
    await this.changeCounters(tx, released[0].allocations, -1);
    return true;
  }

  /** Active interruptible reservations, cheapest first: the work on-demand jobs may stop. */
  private async preemptible(tx: EntityManager): Promise<PreemptibleReservation[]> {
    const rows: Array<{ reservation_id: string; job_id: string; allocations: StoredAllocation[] }> =
      await tx.query(
        `SELECT reservation_id, job_id, allocations FROM ${this.tables.reservations}
       WHERE state = 'active' AND tier = 'interruptible' ORDER BY hourly_value_micros LIMIT 10000`,
      );
    return rows.map((row) => ({
      reservationId: row.reservation_id,
      jobId: row.job_id,
      allocations: row.allocations.map((a) => ({
        nodeId: a.nodeId,
        gpus: a.gpus,
        priceMicros: BigInt(a.priceMicros),
      })),
    }));
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
      const stillActive: Array<{ reservation_id: string }> = await tx.query(
        `SELECT reservation_id FROM ${this.tables.reservations}
         WHERE reservation_id = ANY($1::uuid[]) AND state = 'active' ORDER BY reservation_id FOR UPDATE`,
        [victims.map((v) => v.reservationId)],
      );
      if (stillActive.length !== victims.length) return false;
    }
    const wanted = new Map<string, number>();
    for (const a of placement.allocations) wanted.set(a.nodeId, (wanted.get(a.nodeId) ?? 0) + a.gpus);
    const nodeIds = [...new Set([...wanted.keys(), ...freed.keys()])].sort();
    await tx.query(
      `INSERT INTO ${this.tables.nodeReservations} (node_id, reserved_gpus, change_seq)
       SELECT id, 0, nextval('${this.tables.nodeReservationChanges}') FROM unnest($1::uuid[]) AS id
       ON CONFLICT (node_id) DO NOTHING`,
      [nodeIds],
    );
    const locked: Array<{ node_id: string; reserved_gpus: number }> = await tx.query(
      `SELECT node_id, reserved_gpus FROM ${this.tables.nodeReservations}
       WHERE node_id = ANY($1::uuid[]) ORDER BY node_id FOR UPDATE`,
      [nodeIds],
    );
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
    // Lock in node-id order, like placements, so a release and a placement never deadlock.
    await tx.query(
      `SELECT 1 FROM ${this.tables.nodeReservations} WHERE node_id = ANY($1::uuid[]) ORDER BY node_id FOR UPDATE`,
      [[...changes.keys()]],
    );
    await this.applyCounterChanges(
      tx,
      [...changes.entries()].map(([nodeId, gpus]) => ({ nodeId, gpus })),
    );
  }

  private async applyCounterChanges(
    tx: EntityManager,
    changes: Array<{ nodeId: string; gpus: number }>,
  ): Promise<void> {
    const rows: Array<{ node_id: string; reserved_gpus: number }> = await tx.query(
      `WITH changed AS (
         UPDATE ${this.tables.nodeReservations} AS n
         SET reserved_gpus = n.reserved_gpus + c.gpus,
             change_seq = nextval('${this.tables.nodeReservationChanges}')
         FROM unnest($1::uuid[], $2::int[]) AS c(node_id, gpus)
         WHERE n.node_id = c.node_id AND c.gpus <> 0
         RETURNING n.node_id, n.reserved_gpus)
       SELECT node_id, reserved_gpus FROM changed`,
      [changes.map((c) => c.nodeId), changes.map((c) => c.gpus)],
    );
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
    await tx.query(
      `UPDATE ${this.tables.reservations} SET state = 'released', released_at = $2, release_reason = 'preempted'
       WHERE reservation_id = $1`,
      [victim.reservationId, now],
    );
    const requeued: Array<{ tenant_id: string }> = await tx.query(
      `WITH requeued AS (
         UPDATE ${this.tables.jobs} SET state = 'queued', reservation_id = NULL, updated_at = $3
         WHERE job_id = $1 AND reservation_id = $2 RETURNING tenant_id)
       SELECT tenant_id FROM requeued`,
      [victim.jobId, victim.reservationId, now],
    );
    this.preemptions.inc();
    await this.outbox.append(tx, [
      {
        contract: JobPreempted,
        event: createEvent(
          JobPreempted,
          {
            jobId: victim.jobId,
            tenantId: requeued[0]?.tenant_id ?? 'unknown',
            reservationId: victim.reservationId,
            preemptedByJobId: by.job_id,
            preemptedAt: now.toISOString(),
            requeued: requeued.length > 0,
          },
          { ...origin, tenantId: requeued[0]?.tenant_id },
          now,
        ),
      },
    ]);
  }

  private async recordMatch(
    tx: EntityManager,
    job: JobRow,
    placement: Placement,
    origin: EventOrigin,
    now: Date,
  ): Promise<void> {
    const attempt = job.attempt + 1;
    const reservationId = deterministicUuid(IdNamespaces.reservation, job.job_id, attempt);
    const stored: StoredAllocation[] = placement.allocations.map((a: NodeAllocation) => ({
      nodeId: a.nodeId,
      nodeName: a.nodeName,
      clusterId: a.clusterId,
      supplierId: a.supplierId,
      gpus: a.gpus,
      askMicros: a.askMicros.toString(),
      priceMicros: a.priceMicros.toString(),
    }));
    const hourlyValue = placement.allocations.reduce((sum, a) => sum + a.priceMicros * BigInt(a.gpus), 0n);
    await tx.query(
      `INSERT INTO ${this.tables.reservations}
         (reservation_id, job_id, tenant_id, attempt, tier, state, allocations, hourly_value_micros, created_at)
       VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8)`,
      [
        reservationId,
        job.job_id,
        job.tenant_id,
        attempt,
        job.tier,
        JSON.stringify(stored),
        hourlyValue.toString(),
        now,
      ],
    );
    await tx.query(
      `UPDATE ${this.tables.jobs} SET state = 'matched', attempt = $2, reservation_id = $3, updated_at = $4
       WHERE job_id = $1`,
      [job.job_id, attempt, reservationId, now],
    );
    const currency = this.config.MATCHING_CURRENCY;
    await this.outbox.append(tx, [
      {
        contract: JobMatched,
        event: createEvent(
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
          },
          { ...origin, tenantId: job.tenant_id },
          now,
        ),
      },
    ]);
  }

  /** Emits job.unmatched, with the explanation, for a job that was just queued. */
  async recordUnmatched(
    tx: EntityManager,
    job: JobRow,
    origin: EventOrigin,
    now = new Date(),
  ): Promise<void> {
    const explanation = this.explain(job);
    await this.outbox.append(tx, [
      {
        contract: JobUnmatched,
        event: createEvent(
          JobUnmatched,
          unmatchedPayload(job, explanation, this.config.MATCHING_CURRENCY, true),
          { ...origin, tenantId: job.tenant_id },
          now,
        ),
      },
    ]);
  }
}
