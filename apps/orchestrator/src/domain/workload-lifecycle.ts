import type { WorkloadStatus } from '../workloads/workload-status';

/**
 * A workload's life in the orchestrator, as pure rules:
 *
 *   awaiting-hold ──hold placed──▶ created ──pods bound──▶ scheduled ──pods run──▶ running ──▶ succeeded | failed
 *        └──────────────── a stop command (cancel, preemption, credit) ──────────────────────▶ stopped
 *
 * A workload waits in `awaiting-hold` until billing has held its expected cost, so a tenant without credit never
 * gets a pod on a supplier's GPUs (a reservation with no price to hold starts at once).
 */
export const WORKLOAD_STATES = [
  'awaiting-hold',
  'created',
  'scheduled',
  'running',
  'succeeded',
  'failed',
  'stopped',
] as const;
export type WorkloadState = (typeof WORKLOAD_STATES)[number];

/** States whose objects may exist in the cluster: the watcher follows their pods. */
export const LAUNCHED_STATES = [
  'created',
  'scheduled',
  'running',
] as const satisfies readonly WorkloadState[];

/** States a stop command still ends (an awaiting workload is ended without ever creating anything). */
export const LIVE_STATES = ['awaiting-hold', ...LAUNCHED_STATES] as const satisfies readonly WorkloadState[];

export type StopReason = 'cancelled' | 'preempted' | 'credit-exhausted';

export interface NewAllocation {
  /** A stop command for it that arrived first (a cancellation, preemption or refused hold). */
  stoppedBy?: StopReason;
  /** Why its image may not run here, if it may not. */
  imageRefusal?: string;
  /** Whether billing holds funds for it before it runs (false for a reservation with no price). */
  holdRequired: boolean;
  /** Whether billing's hold for it already arrived. */
  holdPlaced: boolean;
}

export type LaunchDecision =
  | { kind: 'refuse'; reason: StopReason }
  | { kind: 'reject'; detail: string }
  | { kind: 'await-hold' }
  | { kind: 'launch' };

/** What to do with an allocation that just arrived. */
export function launchDecision(allocation: NewAllocation): LaunchDecision {
  if (allocation.stoppedBy) return { kind: 'refuse', reason: allocation.stoppedBy };
  if (allocation.imageRefusal) return { kind: 'reject', detail: allocation.imageRefusal };
  if (allocation.holdRequired && !allocation.holdPlaced) return { kind: 'await-hold' };
  return { kind: 'launch' };
}

/** Whether billing holds funds for a reservation before it may run: whenever it costs anything per hour. */
export function holdRequired(
  allocations: ReadonlyArray<{ gpus: number; pricePerGpuHour: { micros: string } }>,
): boolean {
  return allocations.some((a) => a.gpus > 0 && BigInt(a.pricePerGpuHour.micros) > 0n);
}

export type ObservationStep =
  | { kind: 'scheduled' }
  | { kind: 'started'; startedAt: Date }
  | { kind: 'finished'; outcome: 'succeeded' | 'failed' };

/**
 * The reports a launched workload's pods call for, in order, given the state already reported: scheduled once
 * its pods are bound, started once they all run, finished when they end. A workload whose pods vanished before
 * it was seen scheduled only fails.
 */
export function observationSteps(
  state: (typeof LAUNCHED_STATES)[number],
  status: WorkloadStatus,
  podsSeen: number,
): ObservationStep[] {
  if (status.phase === 'pending') return [];
  const steps: ObservationStep[] = [];
  let current: WorkloadState = state;
  if (current === 'created' && podsSeen > 0) {
    steps.push({ kind: 'scheduled' });
    current = 'scheduled';
  }
  if (status.startedAt && current === 'scheduled') {
    steps.push({ kind: 'started', startedAt: status.startedAt });
  }
  if (status.phase === 'succeeded' || status.phase === 'failed') {
    steps.push({ kind: 'finished', outcome: status.phase });
  }
  return steps;
}
