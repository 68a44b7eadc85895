/** A job waiting for capacity, as the queue orders it. */
export interface QueuedJob {
  jobId: string;
  tenantId: string;
  /** Higher first, among the jobs of one tenant (a tenant's priorities say nothing about other tenants). */
  priority: number;
  submittedAtMs: number;
  /** GPUs the whole job takes (GPUs per node × nodes). */
  gpus: number;
}

/** One tenant's side of the queue: its share, the GPUs it holds now, and its waiting jobs (any order). */
export interface TenantLane<T extends QueuedJob> {
  tenantId: string;
  /** The tenant's share (weight) of the exchange's capacity; 1 unless the operator set another. */
  weight: number;
  /** GPUs its placed work holds now. */
  usedGpus: number;
  jobs: readonly T[];
}

/** A tenant's own jobs: priority, then age, then id. */
function tenantOrder(a: QueuedJob, b: QueuedJob): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.submittedAtMs !== b.submittedAtMs) return a.submittedAtMs - b.submittedAtMs;
  return a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0;
}

/**
 * The order in which queued jobs are offered capacity: weighted fair share over GPUs (dominant-resource fairness
 * with GPUs as the one resource that is scarce). The next job is always the head of the tenant whose GPUs held,
 * divided by its weight, are the fewest; a placed job counts at once, so the turns follow what each tenant
 * actually got, not how many jobs it queued. A tenant with twenty thousand queued jobs gets no more turns than
 * its share; priorities order a tenant's own jobs and never jump other tenants. Ties go to the older head, then
 * the tenant id, so the order is a function of its inputs.
 */
export class FairShareQueue<T extends QueuedJob> {
  private readonly lanes: Array<{ tenantId: string; weight: number; used: number; jobs: T[]; next: number }>;

  constructor(lanes: ReadonlyArray<TenantLane<T>>) {
    this.lanes = lanes
      .filter((lane) => lane.jobs.length > 0)
      .map((lane) => {
        if (!(lane.weight > 0)) throw new RangeError(`tenant ${lane.tenantId}: weight must be > 0`);
        return {
          tenantId: lane.tenantId,
          weight: lane.weight,
          used: lane.usedGpus,
          jobs: [...lane.jobs].sort(tenantOrder),
          next: 0,
        };
      });
  }

  /** The next job to offer capacity, or undefined when every lane is empty. */
  next(): T | undefined {
    let best: (typeof this.lanes)[number] | undefined;
    for (const lane of this.lanes) {
      if (lane.next >= lane.jobs.length) continue;
      if (!best || this.before(lane, best)) best = lane;
    }
    if (!best) return undefined;
    return best.jobs[best.next++];
  }

  /** The job was placed: its GPUs count toward its tenant's share from now on. */
  placed(job: T): void {
    const lane = this.lanes.find((l) => l.tenantId === job.tenantId);
    if (lane) lane.used += job.gpus;
  }

  private before(a: (typeof this.lanes)[number], b: (typeof this.lanes)[number]): boolean {
    const share = a.used / a.weight - b.used / b.weight;
    if (share !== 0) return share < 0;
    const age = a.jobs[a.next].submittedAtMs - b.jobs[b.next].submittedAtMs;
    if (age !== 0) return age < 0;
    return a.tenantId < b.tenantId;
  }
}

/** Every job in the order the queue offers them when each one is placed (for tests and explanations). */
export function fairShareOrder<T extends QueuedJob>(lanes: ReadonlyArray<TenantLane<T>>): T[] {
  const queue = new FairShareQueue(lanes);
  const ordered: T[] = [];
  for (let job = queue.next(); job; job = queue.next()) {
    ordered.push(job);
    queue.placed(job);
  }
  return ordered;
}
