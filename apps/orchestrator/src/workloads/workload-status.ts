import type { V1Pod } from '@kubernetes/client-node';

/** Why a workload failed, as far as its pods tell (commands — cancel, preempt, credit — are recorded apart). */
export type PodFailure = 'node-lost' | 'oom' | 'image-pull' | 'error';

/** What the orchestrator needs of one pod. */
export interface PodView {
  name: string;
  nodeName?: string;
  /** When its container first started (the pod ran from then on). */
  startedAt?: Date;
  /** When its container ended. */
  finishedAt?: Date;
  succeeded: boolean;
  failure?: { reason: PodFailure; detail: string };
}

const IMAGE_PULL_ERRORS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/** Reads a pod's lifecycle from its status. */
export function podView(pod: V1Pod): PodView {
  const container = pod.status?.containerStatuses?.[0];
  const state = container?.state;
  const terminated = state?.terminated;
  const startedAt = state?.running?.startedAt ?? terminated?.startedAt;
  const view: PodView = {
    name: pod.metadata?.name ?? '',
    nodeName: pod.spec?.nodeName,
    startedAt: startedAt ? new Date(startedAt) : undefined,
    finishedAt: terminated?.finishedAt ? new Date(terminated.finishedAt) : undefined,
    succeeded: pod.status?.phase === 'Succeeded',
  };
  const waiting = state?.waiting?.reason;
  if (waiting && IMAGE_PULL_ERRORS.has(waiting)) {
    view.failure = { reason: 'image-pull', detail: `${waiting}: ${state?.waiting?.message ?? ''}`.trim() };
  } else if (pod.status?.phase === 'Failed' || (terminated && terminated.exitCode !== 0)) {
    if (terminated?.reason === 'OOMKilled') {
      view.failure = { reason: 'oom', detail: 'the container ran out of memory (OOMKilled)' };
    } else if (pod.status?.reason === 'NodeLost' || pod.status?.reason === 'NodeShutdown') {
      view.failure = { reason: 'node-lost', detail: `pod ${pod.status.reason}` };
    } else {
      view.failure = {
        reason: 'error',
        detail: terminated
          ? `exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`
          : (pod.status?.message ?? 'the pod failed'),
      };
    }
  }
  return view;
}

export type WorkloadPhase = 'pending' | 'scheduled' | 'running' | 'succeeded' | 'failed';

export interface WorkloadStatus {
  phase: WorkloadPhase;
  /** Running: when the last pod started (the whole gang runs from then on; metering starts here). */
  startedAt?: Date;
  finishedAt?: Date;
  reason?: PodFailure;
  detail?: string;
  /** With node-lost: the nodes that were lost. */
  failedNodes?: string[];
}

/** Worst first: a gang that lost a node failed because of the node, whatever its other pods then did. */
const FAILURE_ORDER: readonly PodFailure[] = ['node-lost', 'oom', 'image-pull', 'error'];

/**
 * A workload's state from its pods. A gang is running only when every pod runs, and fails as soon as one pod
 * fails or is lost (a pod that disappeared, or whose node is gone, counts as lost with its node).
 *
 * @param expected pods the workload must have
 * @param pods the pods that exist
 * @param missing names of pods that were deleted without the orchestrator asking, with their node
 * @param lostNodes nodes no longer in the cluster
 * @param now the time to record for failures that have no timestamp of their own
 */
export function workloadStatus(
  expected: number,
  pods: readonly PodView[],
  missing: ReadonlyArray<{ name: string; nodeName?: string }>,
  lostNodes: ReadonlySet<string>,
  now: Date,
): WorkloadStatus {
  const failures: Array<{ reason: PodFailure; detail: string; nodeName?: string; at?: Date }> = [];
  for (const pod of pods) {
    if (pod.nodeName && lostNodes.has(pod.nodeName) && !pod.succeeded) {
      failures.push({
        reason: 'node-lost',
        detail: `node ${pod.nodeName} was lost (it left the cluster or stayed NotReady)`,
        nodeName: pod.nodeName,
      });
    } else if (pod.failure) {
      failures.push({ ...pod.failure, nodeName: pod.nodeName, at: pod.finishedAt });
    }
  }
  for (const gone of missing) {
    const nodeGone = gone.nodeName !== undefined && lostNodes.has(gone.nodeName);
    failures.push({
      reason: nodeGone ? 'node-lost' : 'error',
      detail: nodeGone
        ? `node ${gone.nodeName} was lost (it left the cluster or stayed NotReady)`
        : `pod ${gone.name} was deleted`,
      nodeName: gone.nodeName,
    });
  }
  const starts = pods.map((pod) => pod.startedAt);
  const allStarted = pods.length === expected && starts.every((at) => at !== undefined);
  const startedAt = allStarted
    ? new Date(Math.max(...starts.map((at) => (at as Date).getTime())))
    : undefined;

  if (failures.length > 0) {
    const worst = FAILURE_ORDER.find((reason) => failures.some((f) => f.reason === reason)) as PodFailure;
    const chosen = failures.filter((f) => f.reason === worst);
    const stamped = chosen.map((f) => f.at?.getTime()).filter((t): t is number => t !== undefined);
    return {
      phase: 'failed',
      startedAt,
      finishedAt: stamped.length > 0 ? new Date(Math.max(...stamped)) : now,
      reason: worst,
      detail: chosen[0].detail,
      failedNodes:
        worst === 'node-lost'
          ? [...new Set(chosen.map((f) => f.nodeName).filter((n): n is string => n !== undefined))]
          : undefined,
    };
  }
  if (pods.length === expected && pods.every((pod) => pod.succeeded)) {
    const ends = pods.map((pod) => pod.finishedAt?.getTime() ?? now.getTime());
    return { phase: 'succeeded', startedAt, finishedAt: new Date(Math.max(...ends)) };
  }
  if (startedAt) return { phase: 'running', startedAt };
  if (pods.length === expected && pods.every((pod) => pod.nodeName)) return { phase: 'scheduled' };
  return { phase: 'pending' };
}
