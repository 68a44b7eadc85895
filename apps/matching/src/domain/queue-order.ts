/** A job waiting for capacity, as the queue orders it. */
export interface QueuedJob {
  jobId: string;
  tenantId: string;
  /** Higher first, among the jobs of one tenant (a tenant's priorities say nothing about other tenants). */
  priority: number;
  submittedAtMs: number;
}

function tenantOrder(a: QueuedJob, b: QueuedJob): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.submittedAtMs !== b.submittedAtMs) return a.submittedAtMs - b.submittedAtMs;
  return a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0;
}

/**
 * The order in which queued jobs are offered capacity: each tenant's jobs by priority then age, and the tenants
 * taking turns, one job each per round (within a round the older job goes first). A tenant with a thousand
 * queued jobs gets one turn per round like a tenant with one, so nobody starves; priorities cannot be used to
 * jump ahead of other tenants. Deterministic for the same input.
 */
export function fairQueueOrder<T extends QueuedJob>(jobs: readonly T[]): T[] {
  const byTenant = new Map<string, T[]>();
  for (const job of jobs) byTenant.set(job.tenantId, [...(byTenant.get(job.tenantId) ?? []), job]);
  const lanes = [...byTenant.values()].map((lane) => lane.sort(tenantOrder));
  const ordered: T[] = [];
  for (let round = 0; ordered.length < jobs.length; round += 1) {
    const turn = lanes.filter((lane) => lane.length > round).map((lane) => lane[round]);
    turn.sort((a, b) =>
      a.submittedAtMs !== b.submittedAtMs
        ? a.submittedAtMs - b.submittedAtMs
        : a.tenantId < b.tenantId
          ? -1
          : a.tenantId > b.tenantId
            ? 1
            : 0,
    );
    ordered.push(...turn);
  }
  return ordered;
}
