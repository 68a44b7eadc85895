import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JobState, JobSubmittedPayload } from '@gridex/contracts';
import { MatchingTables } from '../database/matching-tables';
import { JOB_TRANSITIONS, JobTransition } from '../domain/job-lifecycle';

/** A row of the jobs table. */
export interface JobRow {
  job_id: string;
  tenant_id: string;
  correlation_id: string;
  spec: JobSubmittedPayload;
  tier: 'on-demand' | 'interruptible';
  state: JobState;
  attempt: number;
  retry_budget: number;
  failovers: number;
  excluded_node_ids: string[];
  reservation_id: string | null;
  priority: number;
  submitted_at: Date;
  queue_deadline: Date;
}

/** A new job as the submit handler records it. */
export interface NewJob {
  spec: JobSubmittedPayload;
  correlationId: string;
  submittedAt: Date;
  queueDeadline: Date;
}

/**
 * States as SQL literals. They are the lifecycle's own constants, never input, and written into the statement
 * so the planner sees them (the queued-jobs index is partial on `state = 'queued'`).
 */
function inList(states: readonly JobState[]): string {
  return states.map((state) => `'${state}'`).join(', ');
}

/**
 * The jobs table: every read and write of matching's job aggregate. Transitions are guarded by the source
 * states `JOB_TRANSITIONS` names (in the WHERE clause, so each is one statement), which is what makes a
 * redelivered or overtaken event change nothing.
 */
@Injectable()
export class JobStore {
  constructor(@Inject(MatchingTables) private readonly tables: MatchingTables) {}

  /** Records a queued job; undefined when the job is already known (a redelivery, or a cancellation first). */
  async insertQueued(tx: EntityManager, job: NewJob): Promise<JobRow | undefined> {
    const { spec } = job;
    const inserted: JobRow[] = await tx.query(
      `WITH inserted AS (
         INSERT INTO ${this.tables.jobs} (job_id, tenant_id, correlation_id, spec, tier, priority, submitted_at,
           queue_deadline, state, retry_budget)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9)
         ON CONFLICT (job_id) DO NOTHING RETURNING *)
       SELECT * FROM inserted`,
      [
        spec.jobId,
        spec.tenantId,
        job.correlationId,
        JSON.stringify(spec),
        spec.tier,
        spec.priority,
        job.submittedAt,
        job.queueDeadline,
        spec.retryBudget ?? 0,
      ],
    );
    return inserted[0];
  }

  /**
   * Cancels a job in a state that takes cancellation. A cancellation that overtakes its submission leaves a
   * cancelled record, so the late submission is ignored.
   */
  async cancel(
    tx: EntityManager,
    jobId: string,
    tenantId: string,
    correlationId: string,
    at: Date,
  ): Promise<void> {
    const rule = JOB_TRANSITIONS.cancel;
    await tx.query(
      `INSERT INTO ${this.tables.jobs} (job_id, tenant_id, correlation_id, spec, tier, priority, submitted_at,
         queue_deadline, state)
       VALUES ($1, $2, $3, '{}', 'on-demand', 0, $4, $4, $5)
       ON CONFLICT (job_id) DO UPDATE SET state = $5, updated_at = $4
       WHERE ${this.tables.jobs}.state IN (${inList(rule.from)})`,
      [jobId, tenantId, correlationId, at, rule.to],
    );
  }

  /** Applies a fixed-rule transition to the job's current placement (if it still holds that reservation). */
  async transitionPlacement(
    tx: EntityManager,
    jobId: string,
    reservationId: string,
    transition: JobTransition,
  ): Promise<void> {
    const rule = JOB_TRANSITIONS[transition];
    await tx.query(
      `UPDATE ${this.tables.jobs} SET state = $3, updated_at = now()
       WHERE job_id = $1 AND reservation_id = $2 AND state IN (${inList(rule.from)})`,
      [jobId, reservationId, rule.to],
    );
  }

  /** The job holding this reservation, locked for the rest of the transaction; undefined for any other. */
  async lockByReservation(
    tx: EntityManager,
    jobId: string,
    reservationId: string,
  ): Promise<JobRow | undefined> {
    const rows: JobRow[] = await tx.query(
      `SELECT * FROM ${this.tables.jobs} WHERE job_id = $1 AND reservation_id = $2 FOR UPDATE`,
      [jobId, reservationId],
    );
    return rows[0];
  }

  /** Ends a job (the caller decided the state with `afterWorkloadFinished`). */
  async setState(tx: EntityManager, jobId: string, state: JobState): Promise<void> {
    await tx.query(`UPDATE ${this.tables.jobs} SET state = $2, updated_at = now() WHERE job_id = $1`, [
      jobId,
      state,
    ]);
  }

  /** Queues a job again after a supplier fault, never again on the nodes that failed it. */
  async requeueForFailover(
    tx: EntityManager,
    jobId: string,
    lostNodeIds: string[],
    at: Date,
  ): Promise<JobRow> {
    const rows: JobRow[] = await tx.query(
      `WITH requeued AS (
         UPDATE ${this.tables.jobs}
         SET state = 'queued', reservation_id = NULL, failovers = failovers + 1, updated_at = $3,
             excluded_node_ids = ARRAY(SELECT DISTINCT unnest(excluded_node_ids || $2::uuid[]))
         WHERE job_id = $1 RETURNING *)
       SELECT * FROM requeued`,
      [jobId, lostNodeIds, at],
    );
    return rows[0];
  }

  /** Queues a preempted job again (if it still holds the preempted reservation); its tenant when it did. */
  async requeuePreempted(
    tx: EntityManager,
    jobId: string,
    reservationId: string,
    at: Date,
  ): Promise<{ tenantId: string } | undefined> {
    const rows: Array<{ tenant_id: string }> = await tx.query(
      `WITH requeued AS (
         UPDATE ${this.tables.jobs} SET state = 'queued', reservation_id = NULL, updated_at = $3
         WHERE job_id = $1 AND reservation_id = $2 RETURNING tenant_id)
       SELECT tenant_id FROM requeued`,
      [jobId, reservationId, at],
    );
    return rows[0] && { tenantId: rows[0].tenant_id };
  }

  /** The job now holds this placement. */
  async markMatched(
    tx: EntityManager,
    jobId: string,
    attempt: number,
    reservationId: string,
    at: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE ${this.tables.jobs} SET state = 'matched', attempt = $2, reservation_id = $3, updated_at = $4
       WHERE job_id = $1`,
      [jobId, attempt, reservationId, at],
    );
  }

  /** Expires every queued job past its deadline; returns them. */
  async expireOverdue(
    tx: EntityManager,
    now: Date,
  ): Promise<Array<Pick<JobRow, 'job_id' | 'tenant_id' | 'correlation_id' | 'queue_deadline'>>> {
    const rule = JOB_TRANSITIONS.expire;
    return tx.query(
      `WITH expired AS (
         UPDATE ${this.tables.jobs} SET state = $2, updated_at = $1
         WHERE state IN (${inList(rule.from)}) AND queue_deadline <= $1
         RETURNING job_id, tenant_id, correlation_id, queue_deadline)
       SELECT * FROM expired`,
      [now, rule.to],
    );
  }

  /**
   * The queue as fair sharing reads it: for every tenant with queued jobs, its first `perTenant` jobs (priority,
   * then age) that no other transaction is changing, locked for the rest of this one; the GPUs its active
   * reservations hold; and its weight. Every tenant's head is read, however long another tenant's queue is.
   */
  async lockQueuedLanes(
    tx: EntityManager,
    perTenant: number,
  ): Promise<Array<{ tenantId: string; weight: number; usedGpus: number; jobs: JobRow[] }>> {
    const jobs: JobRow[] = await tx.query(
      `WITH tenants AS (SELECT DISTINCT tenant_id FROM ${this.tables.jobs} WHERE state = 'queued')
       SELECT j.* FROM tenants t CROSS JOIN LATERAL (
         SELECT * FROM ${this.tables.jobs} WHERE state = 'queued' AND tenant_id = t.tenant_id
         ORDER BY priority DESC, submitted_at, job_id LIMIT $1 FOR UPDATE SKIP LOCKED) j`,
      [perTenant],
    );
    const tenants = [...new Set(jobs.map((job) => job.tenant_id))];
    if (tenants.length === 0) return [];
    const held: Array<{ tenant_id: string; gpus: number }> = await tx.query(
      `SELECT r.tenant_id, sum((a->>'gpus')::int)::int AS gpus
       FROM ${this.tables.reservations} r CROSS JOIN LATERAL jsonb_array_elements(r.allocations) a
       WHERE r.state = 'active' AND r.tenant_id = ANY($1) GROUP BY r.tenant_id`,
      [tenants],
    );
    const weights: Array<{ tenant_id: string; weight: number }> = await tx.query(
      `SELECT tenant_id, weight FROM ${this.tables.tenantShares} WHERE tenant_id = ANY($1)`,
      [tenants],
    );
    // Grouped once: a pass may read hundreds of jobs for each of many tenants.
    const jobsOf = new Map<string, JobRow[]>();
    for (const job of jobs) {
      const lane = jobsOf.get(job.tenant_id);
      if (lane) lane.push(job);
      else jobsOf.set(job.tenant_id, [job]);
    }
    const weightOf = new Map(weights.map((w) => [w.tenant_id, w.weight]));
    const heldBy = new Map(held.map((h) => [h.tenant_id, h.gpus]));
    return tenants.map((tenantId) => ({
      tenantId,
      weight: weightOf.get(tenantId) ?? 1,
      usedGpus: heldBy.get(tenantId) ?? 0,
      jobs: jobsOf.get(tenantId) ?? [],
    }));
  }
}
