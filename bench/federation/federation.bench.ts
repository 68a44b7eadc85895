/**
 * Federation benchmark: what routing across other compute networks costs the engine.
 *
 *   npm run bench:federation -- [--networks 10] [--offers 10000] [--local-gpus 100000] [--decisions 20000]
 *
 * Two books in one run, fed the same local fleet (`bench/matching/synthetic-market.ts`): the baseline holds only
 * Gridex's own nodes; the federated one also holds `networks` × `offers` offers of other networks (the same
 * synthetic market, each offer a node with its network id). The same jobs are decided on both, each job choosing
 * where it may run as clients would: 60 % any network, 20 % local only, 20 % Gridex plus two named networks.
 * Every decision is placed and reserved, and the oldest work is released so both books stay about 70 % busy.
 * - routingDecisionP99Ms (target ≤ 2 ms) and p50, federated and baseline, and their ratio;
 * - gangP99Ms: 2 × 8 H100 gangs on InfiniBand, any network, placed and released;
 * - routedToNetworksShare: decisions that landed on another network; choiceViolations: decisions that landed
 *   where the job's choice does not allow, and gangsSpanningNetworks (both must be 0).
 * Writes bench/results/federation.json. The hand-over (submit → running through a peer) and double placements
 * under adapter timeouts are measured on two live exchanges by `bench:federation-live` (`handover.bench.ts`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_SCORE_WEIGHTS,
  NodeAllocation,
  NodeState,
  OfferBook,
  PlacementRequest,
} from '@gridex/matching/benchmark';
import { percentile } from '../shared/measure';
import { buildFleet, random, singleJob } from '../matching/synthetic-market';

const { values: args } = parseArgs({
  options: {
    networks: { type: 'string', default: '10' },
    offers: { type: 'string', default: '10000' },
    'local-gpus': { type: 'string', default: '100000' },
    decisions: { type: 'string', default: '20000' },
    gangs: { type: 'string', default: '500' },
  },
});
const TAKE_RATE_BPS = 1_500;
const NETWORKS = Number(args.networks);
const OFFERS = Number(args.offers);
const networkIds = Array.from({ length: NETWORKS }, (_, i) => `net-${i}`);

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const round = (value: number, digits = 4) => Number(value.toFixed(digits));

/** `OFFERS` offers of one network: the synthetic market's nodes, renamed into the network's clusters. */
function networkOffers(networkId: string, seed: number): NodeState[] {
  const offers: NodeState[] = [];
  // A node holds 1 to 8 GPUs: 8 × OFFERS GPUs always yields enough nodes to take OFFERS of them.
  for (const node of buildFleet(8 * OFFERS, random(seed)).slice(0, OFFERS)) {
    offers.push({
      ...node,
      nodeId: `${networkId}-${node.nodeId}`,
      nodeName: `${networkId}-${node.nodeName}`,
      clusterId: `${networkId}-${node.clusterId}`,
      supplierId: `network:${networkId}`,
      networkId,
    });
  }
  return offers;
}

function withChoice(job: PlacementRequest, rand: () => number): PlacementRequest {
  const pick = rand();
  if (pick < 0.6) return { ...job, networks: 'any' };
  if (pick < 0.8) return { ...job, networks: 'local' };
  const first = networkIds[Math.floor(rand() * NETWORKS)];
  const second = networkIds[Math.floor(rand() * NETWORKS)];
  return { ...job, networks: [first, second] };
}

function allowed(job: PlacementRequest, networkId: string | undefined): boolean {
  if (networkId === undefined || job.networks === undefined || job.networks === 'any') return true;
  return job.networks !== 'local' && job.networks.includes(networkId);
}

interface Run {
  p50Ms: number;
  p99Ms: number;
  placedShare: number;
  routedToNetworksShare: number;
  choiceViolations: number;
  gangP99Ms: number;
  gangsPlaced: number;
  gangsSpanningNetworks: number;
  bookNodes: number;
}

/** Decides and reserves `job` in `book`, adding the time both took to `times`. */
function placeTimed(book: OfferBook, job: PlacementRequest, times: number[]) {
  const started = nowMs();
  const placement = book.place(job);
  if (placement) book.reserve(placement.allocations);
  times.push(nowMs() - started);
  return placement;
}

function measure(nodes: NodeState[], jobs: PlacementRequest[], gangs: number): Run {
  const book = new OfferBook({ weights: DEFAULT_SCORE_WEIGHTS, takeRateBps: TAKE_RATE_BPS });
  for (const node of nodes) book.upsert(node);
  const capacity = nodes.reduce((sum, node) => sum + node.allocatableGpus, 0);
  const networkOf = new Map(nodes.map((node) => [node.nodeId, node.networkId]));
  const active: NodeAllocation[][] = [];
  let oldest = 0;
  let activeGpus = 0;
  const times: number[] = [];
  let placed = 0;
  let routed = 0;
  let choiceViolations = 0;
  for (const job of jobs) {
    const placement = placeTimed(book, job, times);
    if (!placement) continue;
    placed += 1;
    const networkId = networkOf.get(placement.allocations[0].nodeId);
    if (networkId !== undefined) routed += 1;
    if (!placement.allocations.every((a) => allowed(job, networkOf.get(a.nodeId)))) choiceViolations += 1;
    active.push(placement.allocations);
    activeGpus += placement.allocations.reduce((sum, a) => sum + a.gpus, 0);
    while (activeGpus > capacity * 0.7) {
      const released = active[oldest++];
      book.release(released);
      activeGpus -= released.reduce((sum, a) => sum + a.gpus, 0);
    }
  }
  const gang: PlacementRequest = {
    gpusPerNode: 8,
    nodeCount: 2,
    gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
    interconnect: 'infiniband',
    maxPricePerGpuHourMicros: 4_000_000n,
    tier: 'on-demand',
    networks: 'any',
  };
  const gangTimes: number[] = [];
  let gangsPlaced = 0;
  let spanning = 0;
  for (let i = 0; i < gangs; i += 1) {
    const placement = placeTimed(book, gang, gangTimes);
    if (!placement) continue;
    gangsPlaced += 1;
    if (new Set(placement.allocations.map((a) => networkOf.get(a.nodeId) ?? 'local')).size > 1) spanning += 1;
    book.release(placement.allocations);
  }
  times.sort((a, b) => a - b);
  gangTimes.sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(times, 0.5)),
    p99Ms: round(percentile(times, 0.99)),
    placedShare: round(placed / jobs.length),
    routedToNetworksShare: round(routed / Math.max(1, placed)),
    choiceViolations,
    gangP99Ms: round(percentile(gangTimes, 0.99)),
    gangsPlaced,
    gangsSpanningNetworks: spanning,
    bookNodes: nodes.length,
  };
}

function main(): void {
  const localGpus = Number(args['local-gpus']);
  const local = buildFleet(localGpus, random(localGpus));
  const external = networkIds.flatMap((id, i) => networkOffers(id, 1_000 + i));
  const rand = random(42);
  const jobs = Array.from({ length: Number(args.decisions) }, () => withChoice(singleJob(rand), rand));
  const gangs = Number(args.gangs);
  // Warm both code paths once, then measure the baseline and the federated book with the same jobs.
  measure(local.slice(0, 2_000), jobs.slice(0, 2_000), 20);
  const baseline = measure(local, jobs, gangs);
  const federated = measure([...local, ...external], jobs, gangs);
  const result = {
    measuredAt: new Date().toISOString(),
    networks: NETWORKS,
    offersPerNetwork: OFFERS,
    localNodes: local.length,
    decisions: jobs.length,
    routingDecisionP99Ms: federated.p99Ms,
    routingDecisionP50Ms: federated.p50Ms,
    baselineLocalOnlyP99Ms: baseline.p99Ms,
    baselineLocalOnlyP50Ms: baseline.p50Ms,
    p99RatioVsLocalOnly: round(federated.p99Ms / Math.max(baseline.p99Ms, 1e-6), 2),
    federated,
    baseline,
    targets: { routingDecisionP99Ms: { op: '<=', value: 2 } },
  };
  const out = path.join(__dirname, '..', 'results', 'federation.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `routing decision with ${NETWORKS} networks × ${OFFERS} offers and ${local.length} local nodes: ` +
      `p50 ${federated.p50Ms} ms, p99 ${federated.p99Ms} ms (local-only book: p50 ${baseline.p50Ms} ms, ` +
      `p99 ${baseline.p99Ms} ms; ratio ${result.p99RatioVsLocalOnly}); routed to networks ` +
      `${(federated.routedToNetworksShare * 100).toFixed(1)} % of placements; choice violations ` +
      `${federated.choiceViolations}; 2×8 H100 gang p99 ${federated.gangP99Ms} ms, gangs spanning networks ` +
      `${federated.gangsSpanningNetworks}`,
  );
  console.log(`wrote ${out}`);
}

main();
