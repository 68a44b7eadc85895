import type { ExternalJob } from '@gridex/networks';
import type { PodFailure, WorkloadStatus } from '../workloads/workload-status';

/**
 * A workload placed on another compute network, read from that network's answers, as pure rules. The network
 * is the supplier here: whatever ends the job there that the job itself did not cause (the network lost or
 * dropped it, never started it, or stopped answering) is `node-lost`, so matching fails the job over within its
 * retry budget, avoiding that network's nodes. A failure the job caused (its exit code, memory, image) passes
 * through, and is not retried.
 */

export interface NetworkWorkloadLimits {
  /** How long a placed job may wait on the network before it runs. */
  startTimeoutMs: number;
  /** How long the network may go without answering about a job. */
  silenceLimitMs: number;
}

export interface NetworkWorkloadFacts {
  networkId: string;
  /** The network's answer to this poll; undefined when it gave none (timeout, error, breaker open). */
  job?: ExternalJob;
  /** Nodes of the allocation (the network's capacity it runs on). */
  nodeNames: readonly string[];
  placedAt: Date;
  /** The last time the network answered about this job (the placement counts). */
  lastAnswerAt: Date;
  now: Date;
}

/** Failures the job causes itself, wherever it runs. */
const JOB_FAULTS: ReadonlySet<PodFailure> = new Set(['oom', 'image-pull', 'error']);

export function networkWorkloadStatus(
  facts: NetworkWorkloadFacts,
  limits: NetworkWorkloadLimits,
): WorkloadStatus {
  const { job, now } = facts;
  const lost = (detail: string, startedAt?: Date): WorkloadStatus => ({
    phase: 'failed',
    ...(startedAt ? { startedAt } : {}),
    finishedAt: now,
    reason: 'node-lost',
    detail,
    failedNodes: [...facts.nodeNames],
  });
  if (!job) {
    const silentMs = now.getTime() - facts.lastAnswerAt.getTime();
    if (silentMs > limits.silenceLimitMs) {
      return lost(
        `network ${facts.networkId} did not answer about the job for ${Math.round(silentMs / 1000)} s`,
      );
    }
    return { phase: 'scheduled' };
  }
  const startedAt = job.startedAt ? new Date(job.startedAt) : undefined;
  const finishedAt = job.finishedAt ? new Date(job.finishedAt) : now;
  switch (job.status) {
    case 'running':
      return startedAt ? { phase: 'running', startedAt } : { phase: 'scheduled' };
    case 'succeeded':
      return { phase: 'succeeded', ...(startedAt ? { startedAt } : {}), finishedAt };
    case 'failed': {
      const reason = job.reason as PodFailure | undefined;
      if (reason && JOB_FAULTS.has(reason)) {
        return {
          phase: 'failed',
          ...(startedAt ? { startedAt } : {}),
          finishedAt,
          reason,
          detail: `failed on network ${facts.networkId}: ${reason}`,
        };
      }
      return lost(
        `network ${facts.networkId} failed the job (${job.reason ?? 'no reason given'})`,
        startedAt,
      );
    }
    case 'cancelled':
    case 'expired':
      return lost(`network ${facts.networkId} ended the job (${job.status})`, startedAt);
    default: {
      const waitedMs = now.getTime() - facts.placedAt.getTime();
      if (waitedMs > limits.startTimeoutMs) {
        return lost(
          `network ${facts.networkId} did not start the job within ${Math.round(limits.startTimeoutMs / 1000)} s (${job.status})`,
        );
      }
      return { phase: 'scheduled' };
    }
  }
}

/**
 * A placement whose outcome was not known, asked again with the same key: `undefined` while it may still be
 * found (or made) there; failed as lost once the network says no, or the start timeout passes with no answer.
 */
export function pendingPlacementStatus(
  asked: { kind: 'not-placed' | 'unknown'; reason: string },
  facts: Pick<NetworkWorkloadFacts, 'networkId' | 'nodeNames' | 'placedAt' | 'now'>,
  limits: Pick<NetworkWorkloadLimits, 'startTimeoutMs'>,
): WorkloadStatus | undefined {
  const waitedMs = facts.now.getTime() - facts.placedAt.getTime();
  if (asked.kind === 'unknown' && waitedMs <= limits.startTimeoutMs) return undefined;
  return {
    phase: 'failed',
    finishedAt: facts.now,
    reason: 'node-lost',
    detail:
      asked.kind === 'not-placed'
        ? `not placed on network ${facts.networkId}: ${asked.reason}`
        : `network ${facts.networkId} did not answer the placement within ${Math.round(limits.startTimeoutMs / 1000)} s: ${asked.reason}`,
    failedNodes: [...facts.nodeNames],
  };
}
