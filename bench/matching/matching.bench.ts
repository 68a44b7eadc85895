/**
 * Matching engine benchmark: how fast and how well the routing algorithm decides, at market scale.
 *
 *   npm run bench:matching -- [--sizes 10000,100000,1000000] [--decisions 50000] [--gangs 500]
 *
 * The engine is pure (no I/O), so this measures decisions alone, on one core, for synthetic fleets of
 * 10k, 100k and 1M GPUs (data-center 8-GPU nodes and home 1–2-GPU nodes over 8 regions and 4 clusters each):
 * - decisionsPerSecond, p99Ms: single-node jobs (mixed products, regions, caps, tiers) decided and reserved in the
 *   book (the time of decide + reserve); after each placement the oldest work is released so the fleet stays about
 *   70 % busy, and decisionsPerSecondWithReleases is the wall-clock rate with those releases included;
 * - gangP99Ms: 16 nodes × 8 GPUs on InfiniBand, placed and reserved, then released;
 * - overAllocations: nodes whose reservations, tracked independently of the book, exceed their GPUs (must be 0);
 * - speedupVsNaive: mean time of the same decisions made by a linear scan of every node, over the indexed time;
 *   naiveDisagreements counts decisions where the two differ (must be 0);
 * - optimalityGapPct: on small random instances, total client cost of the engine's online decisions over the
 *   cost-optimal assignment found by an exhaustive solver, same jobs (price-only weights, as the solver has no
 *   other objective); optimalityGapPctDefaultWeights does the same with the production weights, which trade cost
 *   for reliability and performance on purpose.
 * - regionSpread: a 100,000-GPU fleet whose us-east capacity asks 15 % less than elsewhere, filled to half its
 *   GPUs by jobs that prefer no region, with load spread on (production weights) and off in the same run: the
 *   largest gap between a region's share of placed GPUs and its share of capacity, in points (target ≤ 10 with
 *   load spread on).
 * Writes bench/results/matching.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  placeByLinearScan,
  NodeAllocation,
  NodeState,
  OfferBook,
  PlacementRequest,
  DEFAULT_SCORE_WEIGHTS,
  ScoreWeights,
} from '@gridex/matching/benchmark';
import { percentile } from '../shared/measure';
import { buildFleet, random, REGIONS, singleJob } from './synthetic-market';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    decisions: { type: 'string', default: '50000' },
    gangs: { type: 'string', default: '500' },
    naive: { type: 'string', default: '200' },
    instances: { type: 'string', default: '300' },
  },
});
const TAKE_RATE_BPS = 1_500;

const GANG: PlacementRequest = {
  gpusPerNode: 8,
  nodeCount: 16,
  gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
  interconnect: 'infiniband',
  maxPricePerGpuHourMicros: 4_000_000n,
  tier: 'on-demand',
};

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

interface SizeResult {
  gpus: number;
  nodes: number;
  decisionsPerSecond: number;
  /** Wall-clock rate of the whole loop: decisions plus the releases that keep the fleet at 70 % (and the ledger). */
  decisionsPerSecondWithReleases: number;
  p50Ms: number;
  p99Ms: number;
  placedShare: number;
  gangP99Ms: number;
  gangsPlaced: number;
  overAllocations: number;
  speedupVsNaive: number;
  naiveMeanMs: number;
  indexedMeanMs: number;
  naiveDisagreements: number;
  buildSeconds: number;
}

function measureSize(targetGpus: number): SizeResult {
  const rand = random(targetGpus);
  const fleet = buildFleet(targetGpus, rand);
  const buildStart = nowMs();
  const book = new OfferBook({ weights: DEFAULT_SCORE_WEIGHTS, takeRateBps: TAKE_RATE_BPS });
  for (const node of fleet) book.upsert(node);
  const buildSeconds = (nowMs() - buildStart) / 1000;
  const gpus = fleet.reduce((sum, n) => sum + n.allocatableGpus, 0);

  // An independent ledger of what is reserved, to count over-allocations without trusting the book.
  const ledger = new Map<string, number>();
  const active: NodeAllocation[][] = [];
  let oldest = 0;
  let activeGpus = 0;
  /** Records a placement the book already holds in the independent ledger. */
  const record = (allocations: NodeAllocation[]) => {
    active.push(allocations);
    for (const a of allocations) {
      ledger.set(a.nodeId, (ledger.get(a.nodeId) ?? 0) + a.gpus);
      activeGpus += a.gpus;
    }
  };
  const releaseOldest = () => {
    const allocations = active[oldest];
    oldest += 1;
    book.release(allocations);
    for (const a of allocations) {
      ledger.set(a.nodeId, (ledger.get(a.nodeId) ?? 0) - a.gpus);
      activeGpus -= a.gpus;
    }
  };

  // Warm the fleet up to ~70 % busy with the same kind of jobs, then measure at that steady state.
  const decisions = Number(args.decisions);
  const jobs = Array.from({ length: decisions }, () => singleJob(rand));
  let warm = 0;
  while (activeGpus < gpus * 0.7 && warm < decisions * 50) {
    const placement = book.place(jobs[warm % jobs.length]);
    if (placement) {
      book.reserve(placement.allocations);
      record(placement.allocations);
    }
    warm += 1;
  }

  // A decision is the engine's choice plus taking the GPUs out of the book; each placement is followed by the
  // release of the oldest running work (a separate event, timed apart) so the fleet stays about 70 % busy.
  const latencies: number[] = [];
  let placed = 0;
  let deciding = 0;
  const started = nowMs();
  for (const job of jobs) {
    const t0 = nowMs();
    const placement = book.place(job);
    if (placement) book.reserve(placement.allocations);
    const t1 = nowMs();
    latencies.push(t1 - t0);
    deciding += t1 - t0;
    if (placement) {
      record(placement.allocations);
      placed += 1;
      if (activeGpus > gpus * 0.7) releaseOldest();
    }
  }
  const elapsed = nowMs() - started;
  latencies.sort((a, b) => a - b);

  const gangLatencies: number[] = [];
  let gangsPlaced = 0;
  for (let i = 0; i < Number(args.gangs); i += 1) {
    const t0 = nowMs();
    const placement = book.place(GANG);
    if (placement) book.reserve(placement.allocations);
    gangLatencies.push(nowMs() - t0);
    if (placement) {
      gangsPlaced += 1;
      book.release(placement.allocations);
    }
  }
  gangLatencies.sort((a, b) => a - b);

  let overAllocations = 0;
  for (const node of book.nodes()) {
    if ((ledger.get(node.nodeId) ?? 0) > node.allocatableGpus || node.reservedGpus > node.allocatableGpus) {
      overAllocations += 1;
    }
  }

  // The same decisions, indexed and by linear scan, on the same book state.
  const sample = jobs.slice(0, Number(args.naive));
  let naiveDisagreements = 0;
  const naiveStart = nowMs();
  const naiveResults = sample.map((job) => placeByLinearScan(book, job));
  const naiveMeanMs = (nowMs() - naiveStart) / sample.length;
  const indexedStart = nowMs();
  const indexedResults = sample.map((job) => book.place(job));
  const indexedMeanMs = (nowMs() - indexedStart) / sample.length;
  sample.forEach((_, i) => {
    if (JSON.stringify(naiveResults[i], bigintJson) !== JSON.stringify(indexedResults[i], bigintJson)) {
      naiveDisagreements += 1;
    }
  });

  return {
    gpus,
    nodes: fleet.length,
    decisionsPerSecond: Math.round(decisions / (deciding / 1000)),
    decisionsPerSecondWithReleases: Math.round(decisions / (elapsed / 1000)),
    p50Ms: round(percentile(latencies, 0.5), 4),
    p99Ms: round(percentile(latencies, 0.99), 4),
    placedShare: round(placed / decisions),
    gangP99Ms: round(percentile(gangLatencies, 0.99), 4),
    gangsPlaced,
    overAllocations,
    speedupVsNaive: round(naiveMeanMs / indexedMeanMs, 1),
    naiveMeanMs: round(naiveMeanMs, 4),
    indexedMeanMs: round(indexedMeanMs, 4),
    naiveDisagreements,
    buildSeconds: round(buildSeconds, 2),
  };
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The cheapest assignment of single-node jobs to nodes that places every job (each node's GPUs are a
 * capacity), by exhaustive depth-first search with a cost bound. Small instances only.
 */
function exactCost(nodes: NodeState[], jobs: PlacementRequest[]): number | undefined {
  const free = nodes.map((n) => n.allocatableGpus);
  const price = nodes.map((n) => Number(n.onDemandAskMicros));
  let best = Number.POSITIVE_INFINITY;
  const search = (j: number, cost: number) => {
    if (cost >= best) return;
    if (j === jobs.length) {
      best = cost;
      return;
    }
    const job = jobs[j];
    for (let i = 0; i < nodes.length; i += 1) {
      if (free[i] < job.gpusPerNode || price[i] > Number(job.maxPricePerGpuHourMicros)) continue;
      free[i] -= job.gpusPerNode;
      search(j + 1, cost + price[i] * job.gpusPerNode);
      free[i] += job.gpusPerNode;
    }
  };
  search(0, 0);
  return Number.isFinite(best) ? best : undefined;
}

/** Engine cost over exact cost on random small instances where the exact solver places every job. */
function optimalityGap(weights: ScoreWeights): { gapPct: number; instances: number; engineMissed: number } {
  const rand = random(7);
  let engineTotal = 0;
  let exactTotal = 0;
  let instances = 0;
  let engineMissed = 0;
  for (let k = 0; k < Number(args.instances); k += 1) {
    const nodes: NodeState[] = Array.from({ length: 7 }, (_, i) => ({
      nodeId: `n${i}`,
      nodeName: `n${i}`,
      clusterId: 'c',
      region: REGIONS[i % 2],
      supplierId: `s${i}`,
      gpuProduct: 'NVIDIA-H100-80GB-HBM3',
      gpuMemoryMiB: 81_559,
      interconnect: 'infiniband',
      allocatableGpus: [1, 2, 4, 8][Math.floor(rand() * 4)],
      schedulable: true,
      verification: 'verified',
      reliabilityBps: 9_500 + Math.floor(rand() * 500),
      benchmarkScore: 2700 + Math.floor(rand() * 600),
      onDemandAskMicros: BigInt(1_500_000 + Math.floor(rand() * 1_500_000)),
    }));
    const jobs: PlacementRequest[] = Array.from({ length: 6 }, () => ({
      gpusPerNode: [1, 1, 2, 4][Math.floor(rand() * 4)],
      nodeCount: 1,
      gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
      maxPricePerGpuHourMicros: 10_000_000n,
      tier: 'on-demand',
    }));
    const exact = exactCost(nodes, jobs);
    if (exact === undefined) continue;
    const book = new OfferBook({ weights, takeRateBps: 0 });
    for (const node of nodes) book.upsert(node);
    let cost = 0;
    let missed = false;
    for (const job of jobs) {
      const placement = book.place(job);
      if (!placement) {
        missed = true;
        break;
      }
      book.reserve(placement.allocations);
      cost += placement.allocations.reduce((sum, a) => sum + Number(a.askMicros) * a.gpus, 0);
    }
    if (missed) {
      engineMissed += 1;
      continue;
    }
    instances += 1;
    engineTotal += cost;
    exactTotal += exact;
  }
  return { gapPct: round((engineTotal / exactTotal - 1) * 100, 2), instances, engineMissed };
}

/** One region's share of the placed GPUs against its share of the capacity, in percent. */
interface RegionShare {
  region: string;
  placedPct: number;
  capacityPct: number;
}

/**
 * How evenly region-agnostic demand spreads over the regions, with the given weights: half the fleet's GPUs are
 * placed, and each region's placed share is set against its capacity share.
 */
function regionSpreadWith(weights: ScoreWeights): { largestGapPoints: number; regions: RegionShare[] } {
  const rand = random(7);
  const fleet = buildFleet(100_000, rand).map((node) =>
    // One region is cheaper, as real markets have one: without load spread it would draw the work.
    node.region === 'us-east'
      ? {
          ...node,
          onDemandAskMicros: ((node.onDemandAskMicros as bigint) * 85n) / 100n,
          interruptibleAskMicros:
            node.interruptibleAskMicros === undefined
              ? undefined
              : (node.interruptibleAskMicros * 85n) / 100n,
        }
      : node,
  );
  const book = new OfferBook({ weights, takeRateBps: TAKE_RATE_BPS });
  for (const node of fleet) book.upsert(node);
  const capacity = new Map<string, number>();
  for (const node of fleet)
    capacity.set(node.region, (capacity.get(node.region) ?? 0) + node.allocatableGpus);
  const total = [...capacity.values()].reduce((sum, gpus) => sum + gpus, 0);
  const placed = new Map<string, number>();
  let placedGpus = 0;
  for (let attempts = 0; placedGpus < total / 2 && attempts < 400_000; attempts += 1) {
    const job: PlacementRequest = { ...singleJob(rand), regions: undefined, preferredRegions: undefined };
    const placement = book.place(job);
    if (!placement) continue;
    book.reserve(placement.allocations);
    for (const a of placement.allocations) {
      placed.set(a.region, (placed.get(a.region) ?? 0) + a.gpus);
      placedGpus += a.gpus;
    }
  }
  const regions = [...capacity.keys()].sort().map((region) => ({
    region,
    placedPct: round((100 * (placed.get(region) ?? 0)) / placedGpus, 1),
    capacityPct: round((100 * (capacity.get(region) ?? 0)) / total, 1),
  }));
  const largestGapPoints = round(Math.max(...regions.map((r) => Math.abs(r.placedPct - r.capacityPct))), 1);
  return { largestGapPoints, regions };
}

function main(): void {
  const sizes = args.sizes.split(',').map(Number);
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const result = measureSize(size);
    results.push(result);
    console.log(
      `${String(result.gpus).padStart(9)} GPUs ${String(result.nodes).padStart(7)} nodes: ` +
        `${result.decisionsPerSecond} decisions/s, p99 ${result.p99Ms} ms, gang p99 ${result.gangP99Ms} ms, ` +
        `over-allocations ${result.overAllocations}, ${result.speedupVsNaive}× vs linear scan ` +
        `(${result.naiveDisagreements} disagreements), book built in ${result.buildSeconds} s`,
    );
  }
  const priceOnly = optimalityGap({
    ...DEFAULT_SCORE_WEIGHTS,
    perfPerDollar: 0,
    reliability: 0,
    loadSpread: 0,
    preferredRegion: 0,
  });
  const production = optimalityGap(DEFAULT_SCORE_WEIGHTS);
  console.log(
    `optimality gap vs exact solver: ${priceOnly.gapPct} % (price-only weights, ${priceOnly.instances} instances, ` +
      `${priceOnly.engineMissed} where the engine placed fewer jobs); ${production.gapPct} % with production weights`,
  );
  const spreadOn = regionSpreadWith(DEFAULT_SCORE_WEIGHTS);
  const spreadOff = regionSpreadWith({ ...DEFAULT_SCORE_WEIGHTS, loadSpread: 0 });
  const share = (run: typeof spreadOn, region: string) => run.regions.find((r) => r.region === region);
  console.log(
    `region spread, half the fleet placed by region-agnostic jobs: largest gap to capacity share ` +
      `${spreadOn.largestGapPoints} points with load spread, ${spreadOff.largestGapPoints} without ` +
      `(cheaper us-east: ${share(spreadOn, 'us-east')?.placedPct} % vs ${share(spreadOff, 'us-east')?.placedPct} % ` +
      `of placed GPUs, ${share(spreadOn, 'us-east')?.capacityPct} % of capacity)`,
  );
  const atLargest = results[results.length - 1];
  const result = {
    sizes: results,
    optimalityGapPct: priceOnly.gapPct,
    optimalityInstances: priceOnly.instances,
    optimalityEngineMissedInstances: priceOnly.engineMissed,
    optimalityGapPctDefaultWeights: production.gapPct,
    regionSpread: {
      largestGapPoints: { value: spreadOn.largestGapPoints, target: '<= 10' },
      largestGapPointsWithoutLoadSpread: spreadOff.largestGapPoints,
      withLoadSpread: spreadOn.regions,
      withoutLoadSpread: spreadOff.regions,
    },
    targetsAtLargest: {
      gpus: atLargest.gpus,
      decisionsPerSecond: { value: atLargest.decisionsPerSecond, target: '>= 20000' },
      p99Ms: { value: atLargest.p99Ms, target: '<= 1' },
      gangP99Ms: { value: atLargest.gangP99Ms, target: '<= 5' },
      overAllocations: { value: atLargest.overAllocations, target: '= 0' },
      optimalityGapPct: { value: priceOnly.gapPct, target: '<= 3' },
    },
    node: process.version,
    measuredAt: new Date().toISOString(),
  };
  const outFile = path.resolve(__dirname, '..', 'results', 'matching.json');
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
}

main();
