/**
 * Queue fairness benchmark: does freed capacity go to tenants by their shares, however long one tenant's
 * backlog is?
 *
 *   npm run bench:fairness -- [--backlog 20000] [--others 9] [--each 100] [--gpus 500] [--batch 500]
 *
 * One tenant queues `backlog` single-GPU jobs first; `others` tenants then queue `each` jobs apiece (one of them
 * with weight 2, the rest 1). A fleet of `gpus` GPUs (4-GPU nodes) frees up, and one drain cycle runs as the
 * queue drainer does: it reads every tenant's first `batch` jobs, then offers up to `batch` of them capacity in
 * the matching's fair-share order (`FairShareQueue`), placing each in the real offer book. Each tenant's placed
 * GPUs are set against its fair share (its weight's part of the capacity, capped by what it asked for, the rest
 * shared by the others): the target is every tenant within 5 % of its share. The baseline, in the same run, is
 * the order before fair sharing: the `batch` oldest jobs, tenants taking turns within them.
 * Writes bench/results/fairness.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_SCORE_WEIGHTS,
  FairShareQueue,
  NodeState,
  OfferBook,
  PlacementRequest,
  QueuedJob,
} from '@gridex/matching/benchmark';

const { values: args } = parseArgs({
  options: {
    backlog: { type: 'string', default: '20000' },
    others: { type: 'string', default: '9' },
    each: { type: 'string', default: '100' },
    gpus: { type: 'string', default: '500' },
    batch: { type: 'string', default: '500' },
  },
});
const PRODUCT = 'NVIDIA-GeForce-RTX-4090';
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

interface Tenant {
  tenantId: string;
  weight: number;
  jobs: QueuedJob[];
}

function tenants(): Tenant[] {
  const heavy: Tenant = {
    tenantId: 'backlog',
    weight: 1,
    jobs: Array.from({ length: Number(args.backlog) }, (_, i) => ({
      jobId: `backlog-${String(i).padStart(6, '0')}`,
      tenantId: 'backlog',
      priority: 0,
      submittedAtMs: i,
      gpus: 1,
    })),
  };
  const others = Array.from({ length: Number(args.others) }, (_, t) => {
    const tenantId = `tenant-${t + 1}`;
    return {
      tenantId,
      weight: t === 0 ? 2 : 1,
      jobs: Array.from({ length: Number(args.each) }, (_, i) => ({
        jobId: `${tenantId}-${String(i).padStart(4, '0')}`,
        tenantId,
        priority: 0,
        submittedAtMs: 1_000_000 + t * 1000 + i,
        gpus: 1,
      })),
    };
  });
  return [heavy, ...others];
}

function freshBook(): OfferBook {
  const book = new OfferBook({ weights: DEFAULT_SCORE_WEIGHTS, takeRateBps: 1500 });
  for (let i = 0; i < Number(args.gpus) / 4; i += 1) {
    const node: NodeState = {
      nodeId: `node-${String(i).padStart(5, '0')}`,
      nodeName: `node-${i}`,
      clusterId: 'local',
      region: ['eu-north', 'us-east', 'ap-southeast'][i % 3],
      supplierId: `s-${i}`,
      gpuProduct: PRODUCT,
      gpuMemoryMiB: 24_564,
      interconnect: 'pcie',
      allocatableGpus: 4,
      schedulable: true,
      verification: 'verified',
      reliabilityBps: 9_900,
      benchmarkScore: 1000,
      onDemandAskMicros: 400_000n,
    };
    book.upsert(node);
  }
  return book;
}

const request: PlacementRequest = {
  gpusPerNode: 1,
  nodeCount: 1,
  gpuProducts: [PRODUCT],
  maxPricePerGpuHourMicros: 5_000_000n,
  tier: 'on-demand',
};

/** Water-filling: each tenant's weight's part of the capacity, capped by its demand, the rest re-shared. */
function fairShares(all: Tenant[], capacity: number): Map<string, number> {
  const shares = new Map<string, number>();
  let open = all.filter((t) => t.jobs.length > 0);
  let left = capacity;
  while (open.length > 0 && left > 1e-9) {
    const weight = open.reduce((sum, t) => sum + t.weight, 0);
    const capped = open.filter(
      (t) => t.jobs.length - (shares.get(t.tenantId) ?? 0) <= (left * t.weight) / weight,
    );
    if (capped.length === 0) {
      for (const t of open)
        shares.set(t.tenantId, (shares.get(t.tenantId) ?? 0) + (left * t.weight) / weight);
      break;
    }
    for (const t of capped) {
      left -= t.jobs.length - (shares.get(t.tenantId) ?? 0);
      shares.set(t.tenantId, t.jobs.length);
    }
    open = open.filter((t) => !capped.includes(t));
  }
  return shares;
}

/** One drain cycle in `order`; the GPUs each tenant got and how long the cycle took. */
function drain(order: Iterable<QueuedJob>, onPlaced: (job: QueuedJob) => void, batch: number) {
  const book = freshBook();
  const got = new Map<string, number>();
  const started = performance.now();
  let tried = 0;
  for (const job of order) {
    if (tried++ >= batch) break;
    const placement = book.place(request);
    if (!placement) continue;
    book.reserve(placement.allocations);
    got.set(job.tenantId, (got.get(job.tenantId) ?? 0) + job.gpus);
    onPlaced(job);
  }
  return { got, ms: performance.now() - started };
}

function report(all: Tenant[], got: Map<string, number>, shares: Map<string, number>) {
  const placed = [...got.values()].reduce((sum, n) => sum + n, 0);
  return all.map((t) => {
    const share = shares.get(t.tenantId) ?? 0;
    const gpus = got.get(t.tenantId) ?? 0;
    return {
      tenantId: t.tenantId,
      weight: t.weight,
      queued: t.jobs.length,
      placedGpus: gpus,
      placedSharePct: round((100 * gpus) / Math.max(placed, 1), 2),
      fairShareGpus: round(share, 2),
      offByPct: round(share === 0 ? 0 : (100 * Math.abs(gpus - share)) / share, 1),
    };
  });
}

function main(): void {
  const all = tenants();
  const batch = Number(args.batch);
  const capacity = Math.min(Number(args.gpus), batch);
  const shares = fairShares(all, capacity);

  // Fair sharing, as the drainer does it: every tenant's first `batch` jobs, in fair-share order.
  const queue = new FairShareQueue(
    all.map((t) => ({ tenantId: t.tenantId, weight: t.weight, usedGpus: 0, jobs: t.jobs.slice(0, batch) })),
  );
  const fairOrder = (function* () {
    for (let job = queue.next(); job; job = queue.next()) yield job;
  })();
  const fair = drain(fairOrder, (job) => queue.placed(job), batch);

  // The baseline: the `batch` oldest jobs of the whole queue, tenants taking turns among them.
  const oldest = all
    .flatMap((t) => t.jobs)
    .sort((a, b) => a.submittedAtMs - b.submittedAtMs)
    .slice(0, batch);
  const baseline = drain(oldest, () => undefined, batch);

  const fairRows = report(all, fair.got, shares);
  const baselineRows = report(all, baseline.got, shares);
  const worst = (rows: typeof fairRows) => Math.max(...rows.map((r) => r.offByPct));
  const result = {
    measuredAt: new Date().toISOString(),
    tenants: all.length,
    queuedJobs: all.reduce((sum, t) => sum + t.jobs.length, 0),
    capacityGpus: Number(args.gpus),
    batch,
    worstOffByPct: { value: worst(fairRows), target: '<= 5' },
    baselineWorstOffByPct: worst(baselineRows),
    cycleMs: round(fair.ms, 2),
    fair: fairRows,
    baseline: baselineRows,
  };
  for (const row of fairRows) {
    console.log(
      `${row.tenantId.padEnd(9)} weight ${row.weight}  queued ${String(row.queued).padStart(5)}  placed ` +
        `${String(row.placedGpus).padStart(3)} GPUs (fair share ${row.fairShareGpus}; off by ${row.offByPct} %)` +
        `   before: ${baselineRows.find((b) => b.tenantId === row.tenantId)?.placedGpus}`,
    );
  }
  console.log(
    `one drain cycle over ${result.queuedJobs} queued jobs of ${all.length} tenants: worst tenant ` +
      `${result.worstOffByPct.value} % off its fair share (oldest-first before: ${result.baselineWorstOffByPct} %), ` +
      `${result.cycleMs} ms`,
  );
  const out = path.join(__dirname, '..', 'results', 'fairness.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main();
