import { JOB_STATES, JobState } from '@gridex/contracts';

/**
 * The gateway's job status as a state machine over the lifecycle events. The events come on different topics
 * and may arrive late, twice or out of order, so each says which placement (reservation) it is about: an event
 * about an older placement (a failover replaced it) only joins the timeline; a start seen before its match still
 * marks the job running; a terminal status is only left for a newer placement.
 */
/** The statuses the API shows are the job states matching keeps. */
export const JOB_STATUSES = JOB_STATES;
export type JobStatus = JobState;

/** Statuses a job does not leave by itself (only a newer placement moves a succeeded or failed job on). */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'expired',
]);

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface AllocatedNode {
  cluster: string;
  node: string;
  gpus: number;
  /** The other compute network the member runs on; absent on Gridex capacity (and in rows written before). */
  network?: string;
}

/** What the rules read of a job. */
export interface JobStatusView {
  status: JobStatus;
  reason?: string | null;
  reservationId: string | null;
  attempt: number | null;
  /** The current placement's workload times (ISO), as billing meters them; null until known. */
  startedAt: string | null;
  finishedAt: string | null;
}

/** One offer's score for a job, as the API shows it (see `PlacementExplanation`). */
export interface ScoredOffer {
  node: string;
  region: string;
  supplier: string;
  network: string | null;
  pricePerGpuHour: string;
  score: Record<
    'price' | 'perfPerDollar' | 'reliability' | 'preferredRegion' | 'loadSpread' | 'packing' | 'total',
    number
  >;
}

/** Why a job landed where it did: the chosen offer's score and the runner-up's (null when there was none). */
export interface PlacementExplanation {
  chosen: ScoredOffer;
  runnerUp: ScoredOffer | null;
}

export type JobStatusInput =
  | {
      kind: 'matched';
      reservationId: string;
      attempt: number;
      allocation: AllocatedNode[];
      pricePerGpuHourMicros: string;
      explanation?: PlacementExplanation;
    }
  | { kind: 'unmatched'; reasons: string; attempt?: number }
  | { kind: 'expired' }
  | { kind: 'started'; reservationId: string; startedAt: string }
  | {
      kind: 'finished';
      reservationId: string;
      /** Absent when the workload never ran. */
      startedAt?: string;
      finishedAt: string;
      outcome: 'succeeded' | 'failed';
      reason?: string;
      detail?: string;
    }
  | { kind: 'hold-rejected'; reservationId: string }
  | { kind: 'cancel-requested' };

/** What changes on the job row; absent fields stay as they are. Every change adds one timeline entry. */
export interface JobStatusChange {
  status?: JobStatus;
  /** `null` clears the reason. */
  reason?: string | null;
  placement?: {
    reservationId: string;
    attempt: number;
    allocation: AllocatedNode[];
    pricePerGpuHourMicros: string;
    explanation?: PlacementExplanation;
  };
  /** Set only when the job has no reservation yet (a start seen before its match). */
  reservationId?: string;
  /**
   * The current placement's workload times. Billing meters a workload from these two (the finished event's
   * own start wins over the started event's; the first end wins), so the job shows them by the same rules: a
   * peer exchange that placed the job here reads them to meter exactly what this exchange charges.
   */
  run?: { startedAt?: string | null; finishedAt?: string | null };
  entry: Omit<TimelineEntry, 'at'>;
}

/** Whether an event about `reservationId` is about the job's current placement (or the job has none yet). */
function aboutCurrent(job: JobStatusView, reservationId: string): boolean {
  return job.reservationId === null || job.reservationId === reservationId;
}

/** The status a finished workload leaves the job in. */
export function finishedStatus(outcome: 'succeeded' | 'failed', reason?: string): JobStatus {
  if (outcome === 'succeeded') return 'succeeded';
  if (reason === 'cancelled') return 'cancelled';
  // Matching requeues preempted work as it preempts it: the job waits for capacity again, it has not failed.
  if (reason === 'preempted') return 'queued';
  return 'failed';
}

/** How one event changes the job; undefined when it changes nothing (not even the timeline). */
export function jobStatusChange(job: JobStatusView, input: JobStatusInput): JobStatusChange | undefined {
  switch (input.kind) {
    case 'matched': {
      // An older attempt's match, arriving after a newer one, is stale.
      if (job.attempt !== null && job.attempt > input.attempt) return undefined;
      const samePlacementProgressed =
        job.reservationId === input.reservationId && ['running', 'succeeded', 'failed'].includes(job.status);
      const keep = samePlacementProgressed || job.status === 'cancelled' || job.status === 'expired';
      const { kind: _kind, ...placement } = input;
      // Another placement's run times are not this one's.
      const newPlacement = job.reservationId !== input.reservationId && (job.startedAt || job.finishedAt);
      return {
        ...(keep ? {} : { status: 'matched' }),
        reason: null,
        placement,
        ...(newPlacement ? { run: { startedAt: null, finishedAt: null } } : {}),
        entry: { event: 'matched', detail: `${input.allocation.length} node(s), attempt ${input.attempt}` },
      };
    }
    case 'unmatched':
      if (job.status === 'queued') return { reason: input.reasons, entry: { event: 'unmatched' } };
      // A job its node (or network) lost is failed over by matching: when nothing fits it waits again. An
      // unmatched of an earlier attempt, arriving late, is not that.
      if (
        job.status === 'failed' &&
        job.reason === 'node-lost' &&
        input.attempt !== undefined &&
        job.attempt !== null &&
        input.attempt >= job.attempt
      ) {
        return { status: 'queued', reason: input.reasons, entry: { event: 'unmatched' } };
      }
      return undefined;
    case 'expired':
      if (job.status !== 'queued') return undefined;
      return { status: 'expired', entry: { event: 'expired' } };
    case 'started':
      if (!aboutCurrent(job, input.reservationId)) return undefined;
      return {
        ...(job.status === 'queued' || job.status === 'matched' ? { status: 'running' } : {}),
        ...(job.reservationId === null ? { reservationId: input.reservationId } : {}),
        ...(job.startedAt || job.finishedAt ? {} : { run: { startedAt: input.startedAt } }),
        entry: { event: 'running' },
      };
    case 'finished': {
      const status = finishedStatus(input.outcome, input.reason);
      if (!aboutCurrent(job, input.reservationId)) {
        // Another placement's end only joins the timeline.
        return { entry: { event: `earlier placement ${status}`, detail: input.reason } };
      }
      return {
        status,
        reason: input.reason ?? null,
        ...(job.finishedAt
          ? {}
          : { run: { startedAt: input.startedAt ?? null, finishedAt: input.finishedAt } }),
        entry: { event: status, detail: input.detail ?? input.reason },
      };
    }
    case 'hold-rejected':
      if (!aboutCurrent(job, input.reservationId)) return undefined;
      if (job.status === 'succeeded' || job.status === 'cancelled') return undefined;
      return {
        status: 'failed',
        reason: 'insufficient-credit',
        entry: { event: 'failed', detail: 'insufficient credit for the hold' },
      };
    case 'cancel-requested':
      if (TERMINAL_STATUSES.has(job.status)) return undefined;
      // A queued job is cancelled at once; a placed one when the orchestrator reports its workload stopped.
      return {
        ...(job.status === 'queued' ? { status: 'cancelled' } : {}),
        entry: { event: 'cancel-requested' },
      };
  }
}
