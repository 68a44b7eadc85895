import { JobState } from '@gridex/contracts';

/**
 * A job's life in matching, as pure rules: which states each input may move a job out of, and what a finished
 * workload means for the job (settle, fail over, or give up). The job store turns these into guarded SQL, so a
 * redelivered or overtaken event finds the job in a state its transition does not start from and changes
 * nothing.
 *
 *   queued ──match──▶ matched ──start──▶ running ──finish──▶ succeeded | failed | cancelled
 *     ▲  │                │                 │
 *     │  └─expire─▶ expired                 │
 *     └──────── preempt / fail over ◀───────┘        cancel: queued | matched | running ──▶ cancelled
 */

/** The inputs that move a job by a fixed rule (a finished workload is decided by `afterWorkloadFinished`). */
export type JobTransition = 'cancel' | 'start' | 'expire';

/** Each transition's source states and target; a job in any other state ignores it. */
export const JOB_TRANSITIONS: Readonly<Record<JobTransition, { from: readonly JobState[]; to: JobState }>> = {
  // A placed job is cancelled at once but keeps its reservation until its workload is reported finished.
  cancel: { from: ['queued', 'matched', 'running'], to: 'cancelled' },
  // Only the placement the job holds now starts it (the store also matches the reservation id).
  start: { from: ['matched'], to: 'running' },
  // Only waiting jobs expire; a placed job's deadline no longer matters.
  expire: { from: ['queued'], to: 'expired' },
};

/** The state a transition leaves a job in, or undefined when the job's state does not take it. */
export function nextJobState(state: JobState, transition: JobTransition): JobState | undefined {
  const rule = JOB_TRANSITIONS[transition];
  return rule.from.includes(state) ? rule.to : undefined;
}

/** Failure reasons caused by the node or its supplier, not by the job: these fail over. */
export const SUPPLIER_FAULTS: ReadonlySet<string> = new Set(['node-lost']);

/** What matching knows of a job whose current placement's workload just ended. */
export interface FinishingJob {
  state: JobState;
  failovers: number;
  retryBudget: number;
}

export interface FinishedWorkload {
  outcome: 'succeeded' | 'failed';
  reason?: string;
}

export type FinishDecision =
  /** The job ends in this state. */
  | { kind: 'end'; state: 'succeeded' | 'failed' | 'cancelled' }
  /** Placed again, avoiding the nodes that failed it (one more failover counted). */
  | { kind: 'fail-over' }
  /** A supplier fault with no retries left: the job fails. */
  | { kind: 'retries-exhausted' };

/**
 * What a workload's end means for the job that holds its reservation: a cancelled job stays cancelled; a
 * supplier fault fails the job over while its retry budget lasts; anything else ends the job with the
 * workload's outcome.
 */
export function afterWorkloadFinished(job: FinishingJob, finished: FinishedWorkload): FinishDecision {
  if (job.state === 'cancelled') return { kind: 'end', state: 'cancelled' };
  const supplierFault = finished.outcome === 'failed' && SUPPLIER_FAULTS.has(finished.reason ?? '');
  if (!supplierFault) {
    if (finished.outcome === 'succeeded') return { kind: 'end', state: 'succeeded' };
    return { kind: 'end', state: finished.reason === 'cancelled' ? 'cancelled' : 'failed' };
  }
  return job.failovers >= job.retryBudget ? { kind: 'retries-exhausted' } : { kind: 'fail-over' };
}
