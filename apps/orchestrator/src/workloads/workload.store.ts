import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { JobMatchedPayload } from '@gridex/contracts';
import type { ExternalJobRequest } from '@gridex/networks';
import { qualified } from '@gridex/persistence';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { LAUNCHED_STATES, LIVE_STATES, StopReason, WorkloadState } from '../domain/workload-lifecycle';

/** A row of the workloads table. */
export interface WorkloadRow {
  workload_id: string;
  reservation_id: string;
  job_id: string;
  tenant_id: string;
  correlation_id: string;
  namespace: string;
  name: string;
  kind: 'job' | 'gang' | 'network';
  pod_count: number;
  allocations: Array<{ clusterId: string; nodeName: string }>;
  state: WorkloadState;
  started_at: Date | null;
  finished_at: Date | null;
  cleaned_up: boolean;
  /** The allocation as matched, kept only while the workload awaits its hold (its objects are made from it). */
  matched: JobMatchedPayload | null;
  /**
   * On another compute network: which, what was asked of it (kept to ask again with the same key while the
   * outcome is unknown), when, and the job's id there once known.
   */
  network_id: string | null;
  network_request: ExternalJobRequest | null;
  placed_at: Date | null;
  external_job_id: string | null;
}

export interface NewWorkload {
  workloadId: string;
  matched: JobMatchedPayload;
  correlationId: string;
  namespace: string;
  name: string;
  kind: 'job' | 'gang' | 'network';
  networkId?: string;
}

/** Lifecycle states as SQL literals: the lifecycle's own constants, written into the statement for the planner. */
const inList = (states: readonly string[]) => states.map((state) => `'${state}'`).join(', ');

/**
 * The orchestrator's workloads and the commands that may reach it before their allocation does (cancellations
 * by job, stops by reservation, placed holds by reservation): every read and write of those tables.
 */
@Injectable()
export class WorkloadStore {
  private readonly workloads: string;
  private readonly cancelledJobs: string;
  private readonly stoppedReservations: string;
  private readonly placedHolds: string;

  constructor(
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    const table = (name: string) => qualified(config.DATABASE_SCHEMA, name);
    this.workloads = table('workloads');
    this.cancelledJobs = table('cancelled_jobs');
    this.stoppedReservations = table('stopped_reservations');
    this.placedHolds = table('placed_holds');
  }

  /** Runs `work` in a transaction of its own. */
  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Records a new workload in `state`; undefined when its reservation already has one (a redelivery). */
  async insert(tx: EntityManager, w: NewWorkload, state: WorkloadState): Promise<WorkloadRow | undefined> {
    const inserted: WorkloadRow[] = await tx.query(
      `WITH inserted AS (
         INSERT INTO ${this.workloads} (workload_id, reservation_id, job_id, tenant_id, correlation_id, namespace,
           name, kind, pod_count, allocations, state, matched, network_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (reservation_id) DO NOTHING RETURNING *)
       SELECT * FROM inserted`,
      [
        w.workloadId,
        w.matched.reservationId,
        w.matched.jobId,
        w.matched.tenantId,
        w.correlationId,
        w.namespace,
        w.name,
        w.kind,
        w.matched.allocations.length,
        JSON.stringify(w.matched.allocations.map((a) => ({ clusterId: a.clusterId, nodeName: a.nodeName }))),
        state,
        state === 'awaiting-hold' ? JSON.stringify(w.matched) : null,
        w.networkId ?? null,
      ],
    );
    return inserted[0];
  }

  /**
   * Serializes, per reservation, the allocation's arrival with its hold's (they come on different topics and may
   * be handled at the same moment): without it each could miss the other and the workload wait forever. Locks
   * are taken in one order (sorted) so two batches never deadlock.
   */
  async lockReservations(tx: EntityManager, reservationIds: readonly string[]): Promise<void> {
    if (reservationIds.length === 0) return;
    await tx.query(
      `SELECT pg_advisory_xact_lock(key) FROM (
         SELECT DISTINCT hashtext('orchestrator-reservation:' || id) AS key FROM unnest($1::text[]) AS id
         ORDER BY key) AS ordered`,
      [reservationIds],
    );
  }

  /** What reached this allocation before it did: a stop command (cancel, preemption, refused hold), a hold. */
  async commandsFor(
    tx: EntityManager,
    jobId: string,
    reservationId: string,
  ): Promise<{ stoppedBy?: StopReason; holdPlaced: boolean }> {
    const rows: Array<{ kind: 'stop' | 'hold'; reason: StopReason | null }> = await tx.query(
      `SELECT 'stop' AS kind, 'cancelled' AS reason FROM ${this.cancelledJobs} WHERE job_id = $1
       UNION ALL SELECT 'stop', reason FROM ${this.stoppedReservations} WHERE reservation_id = $2
       UNION ALL SELECT 'hold', NULL FROM ${this.placedHolds} WHERE reservation_id = $2`,
      [jobId, reservationId],
    );
    return {
      stoppedBy: rows.find((row) => row.kind === 'stop')?.reason ?? undefined,
      holdPlaced: rows.some((row) => row.kind === 'hold'),
    };
  }

  async rememberCancellation(tx: EntityManager, jobId: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.cancelledJobs} (job_id, cancelled_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [jobId, at],
    );
  }

  async rememberStop(tx: EntityManager, reservationId: string, reason: StopReason, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.stoppedReservations} (reservation_id, reason, stopped_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [reservationId, reason, at],
    );
  }

  /** Remembers billing's hold for a reservation; false when it was already known (a redelivery). */
  async rememberHold(tx: EntityManager, reservationId: string, at: Date): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO ${this.placedHolds} (reservation_id, placed_at) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING reservation_id`,
      [reservationId, at],
    );
    return rows.length > 0;
  }

  /** The live workloads of a job or a reservation, locked. */
  async lockLive(
    tx: EntityManager,
    target: { jobId: string } | { reservationId: string },
  ): Promise<WorkloadRow[]> {
    const [column, value] =
      'jobId' in target ? ['job_id', target.jobId] : ['reservation_id', target.reservationId];
    return tx.query(
      `SELECT * FROM ${this.workloads} WHERE ${column} = $1 AND state IN (${inList(LIVE_STATES)}) FOR UPDATE`,
      [value],
    );
  }

  /** The workload of a reservation if it awaits its hold, locked. */
  async lockAwaitingHold(tx: EntityManager, reservationId: string): Promise<WorkloadRow | undefined> {
    const rows: WorkloadRow[] = await tx.query(
      `SELECT * FROM ${this.workloads} WHERE reservation_id = $1 AND state = 'awaiting-hold' FOR UPDATE`,
      [reservationId],
    );
    return rows[0];
  }

  async lock(tx: EntityManager, workloadId: string): Promise<WorkloadRow | undefined> {
    const rows: WorkloadRow[] = await tx.query(
      `SELECT * FROM ${this.workloads} WHERE workload_id = $1 FOR UPDATE`,
      [workloadId],
    );
    return rows[0];
  }

  /** Moves a workload to `state`, stamping the given columns (`scheduled_at`, `started_at`, `finished_at`). */
  async transition(
    tx: EntityManager,
    workloadId: string,
    state: WorkloadState,
    stamps: Record<string, Date>,
    reason?: string,
  ): Promise<void> {
    const columns = Object.keys(stamps);
    // A launched workload no longer needs the allocation it was made from.
    const clearMatched = state === 'awaiting-hold' ? '' : ', matched = NULL';
    await tx.query(
      `UPDATE ${this.workloads} SET state = $2, reason = $3${clearMatched}${columns
        .map((c, i) => `, ${c} = $${i + 4}`)
        .join('')}
       WHERE workload_id = $1`,
      [workloadId, state, reason ?? null, ...columns.map((c) => stamps[c])],
    );
  }

  /** Launched workloads on this cluster, for reconciliation at start. */
  async launched(): Promise<WorkloadRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.workloads} WHERE state IN (${inList(LAUNCHED_STATES)}) AND kind <> 'network'`,
    );
  }

  /** Launched workloads on other networks, followed by polling their networks. */
  async launchedOnNetworks(): Promise<WorkloadRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.workloads} WHERE state IN (${inList(LAUNCHED_STATES)}) AND kind = 'network'`,
    );
  }

  /**
   * Network workloads that ran and ended but whose network has not yet reported its charge (it does once it has
   * settled the job; asked for a day at most).
   */
  async chargesToReport(): Promise<WorkloadRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.workloads}
       WHERE kind = 'network' AND state NOT IN (${inList(LIVE_STATES)}) AND started_at IS NOT NULL
         AND external_job_id IS NOT NULL AND charge_reported_at IS NULL AND finished_at > now() - interval '1 day'`,
    );
  }

  /** Records a network's charge for a workload, once: false when it was already recorded. */
  async recordCharge(
    tx: EntityManager,
    workloadId: string,
    chargedMicros: bigint,
    at: Date,
  ): Promise<boolean> {
    // (A CTE because TypeORM answers a bare UPDATE … RETURNING with [rows, count].)
    const rows: unknown[] = await tx.query(
      `WITH recorded AS (UPDATE ${this.workloads} SET charged_micros = $2, charge_reported_at = $3
         WHERE workload_id = $1 AND charge_reported_at IS NULL RETURNING workload_id)
       SELECT * FROM recorded`,
      [workloadId, chargedMicros.toString(), at],
    );
    return rows.length > 0;
  }

  /** Per network: jobs placed there, those running now, and what it charged so far. */
  async networkActivity(): Promise<
    Array<{ network_id: string; placed: number; running: number; charged_micros: string }>
  > {
    return this.dataSource.query(
      `SELECT network_id, count(*)::int AS placed,
              count(*) FILTER (WHERE state IN (${inList(LAUNCHED_STATES)}))::int AS running,
              coalesce(sum(charged_micros), 0)::text AS charged_micros
       FROM ${this.workloads} WHERE kind = 'network' AND network_request IS NOT NULL GROUP BY network_id`,
    );
  }

  /** Workloads ever launched, here or on a network (the whole of which a network's placements are a share). */
  async launchedCount(): Promise<number> {
    const [row]: Array<{ launched: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS launched FROM ${this.workloads}
       WHERE state <> 'awaiting-hold' AND (kind <> 'network' OR network_request IS NOT NULL)`,
    );
    return row.launched;
  }

  /** Records what is asked of a network for a workload, and when (the start timeout counts from then). */
  async recordNetworkRequest(
    tx: EntityManager,
    workloadId: string,
    request: ExternalJobRequest,
    at: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE ${this.workloads} SET network_request = $2, placed_at = $3 WHERE workload_id = $1`,
      [workloadId, JSON.stringify(request), at],
    );
  }

  /** Records the job's id on its network, once known; false when it already was (a concurrent resolve). */
  async recordPlacement(
    tx: EntityManager | DataSource,
    workloadId: string,
    externalJobId: string,
  ): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `WITH recorded AS (UPDATE ${this.workloads} SET external_job_id = $2
         WHERE workload_id = $1 AND external_job_id IS NULL RETURNING workload_id)
       SELECT * FROM recorded`,
      [workloadId, externalJobId],
    );
    return rows.length > 0;
  }

  /** Which of these workloads are launched and not finished (pods of any other labelled ours are deleted). */
  async launchedAmong(workloadIds: string[]): Promise<Set<string>> {
    const rows: Array<{ workload_id: string }> = await this.dataSource.query(
      `SELECT workload_id FROM ${this.workloads}
       WHERE workload_id = ANY($1::uuid[]) AND state IN (${inList(LAUNCHED_STATES)})`,
      [workloadIds],
    );
    return new Set(rows.map((row) => row.workload_id));
  }

  /** Finished workloads whose objects may still exist: on this cluster, or on another network. */
  async uncleaned(where: 'cluster' | 'networks' = 'cluster'): Promise<WorkloadRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.workloads} WHERE state NOT IN (${inList(LIVE_STATES)}) AND NOT cleaned_up
         AND kind ${where === 'networks' ? '=' : '<>'} 'network'`,
    );
  }

  /** Records that a workload's objects were deleted (inside the caller's transaction when it holds the row). */
  async markCleanedUp(tx: EntityManager | DataSource, workloadId: string): Promise<void> {
    await tx.query(`UPDATE ${this.workloads} SET cleaned_up = true WHERE workload_id = $1`, [workloadId]);
  }
}
