import type { ReliabilityParts } from '@gridex/contracts';
import {
  askFor,
  clientPriceMicros,
  Constraint,
  explainExclusions,
  Exclusion,
  fabricSatisfies,
  Interconnect,
  JobRequirements,
  networkAllowed,
  NodeOffer,
  Tier,
  violations,
} from './hard-constraints';
import {
  nodeScore,
  packingScore,
  regionScore,
  ScoreBreakdown,
  scoreBreakdown,
  ScoreWeights,
} from './scoring';

/** One node as the capacity feed describes it; the book adds what matching itself reserved. */
export interface NodeState extends Omit<NodeOffer, 'gpusFree'> {
  nodeName: string;
  /** GPUs Kubernetes can place work on; the book sells these minus its reservations. */
  allocatableGpus: number;
  benchmarkScore?: number;
  /** For offer searches only (the engine never reads them): the node's GPUs and its reliability's parts. */
  gpus?: number;
  reliabilityParts?: ReliabilityParts;
}

/** A node in the book: its state, what is reserved on it, and its precomputed score and price per tier. */
export interface BookNode extends NodeOffer, NodeState {
  gpus: number;
  reservedGpus: number;
  /** Client price per GPU-hour and node score for [on-demand, interruptible]; undefined when not offered. */
  clientPrice: [bigint | undefined, bigint | undefined];
  /** The same prices as numbers, for fast comparisons (micro-units stay exact far below 2^53). */
  priceNumber: [number, number];
  score: [number, number];
  /** Where the node is indexed (undefined when not sellable): bucket and free-GPU level. */
  bucket?: Bucket;
  level: number;
}

/** What the engine needs of a job: its hard constraints, its soft preferences. */
export interface PlacementRequest extends JobRequirements {
  preferredRegions?: string[];
}

export interface NodeAllocation {
  nodeId: string;
  nodeName: string;
  clusterId: string;
  supplierId: string;
  networkId?: string;
  region: string;
  gpuProduct: string;
  gpus: number;
  /** Supplier's ask and client price per GPU-hour for the job's tier, micro-units. */
  askMicros: bigint;
  priceMicros: bigint;
}

/** A placement's first node and its score term by term, to explain a decision. */
export interface PlacementScore {
  nodeId: string;
  nodeName: string;
  supplierId: string;
  networkId: string | undefined;
  region: string;
  priceMicros: bigint;
  score: ScoreBreakdown;
}

/** A chosen placement: one allocation per gang member, best first (rank order). */
export interface Placement {
  tier: Tier;
  allocations: NodeAllocation[];
  score: number;
}

export interface NearMiss {
  /** The one constraint the client would have to relax. */
  relax: Constraint | 'gang-size';
  /** The client price per GPU-hour of that placement, for the job's tier (or the other tier when relaxing it). */
  priceMicros?: bigint;
  nodeId: string;
}

export interface Explanation {
  /** NO_CAPACITY: would fit if busy capacity freed up. INFEASIBLE: nothing in the book fits even when idle. */
  code: 'MATCHING.NO_CAPACITY' | 'MATCHING.INFEASIBLE';
  /** Per constraint, the nodes (and their free GPUs) it was first to exclude; these add up to every node. */
  exclusions: Array<Omit<Exclusion, 'constraint'> & { constraint: Constraint | 'gang-size' }>;
  nearMiss?: NearMiss;
  nodesConsidered: number;
}

export interface OfferBookOptions {
  weights: ScoreWeights;
  takeRateBps: number;
}

/** A job's per-node limits, in the form the hot loop compares. */
interface NodeLimits {
  maxPrice: number;
  minReliability: number;
  excluded?: ReadonlySet<string>;
}

const TIERS: readonly Tier[] = ['on-demand', 'interruptible'];
const tierIndex = (tier: Tier): 0 | 1 => (tier === 'on-demand' ? 0 : 1);

/**
 * Nodes that share everything a gang must share and every hard constraint that is the same for all of them:
 * cluster, region, GPU product and memory, fabric, verification. A gang is always placed inside one bucket.
 * Within a bucket, per tier and per number of free GPUs ("level"), nodes are kept sorted best first, so a
 * decision looks at the head of a few lists instead of at every node.
 */
export interface Bucket {
  key: string;
  clusterId: string;
  /** The other compute network of its nodes; undefined for Gridex's own (a gang never spans networks). */
  networkId: string | undefined;
  region: string;
  gpuProduct: string;
  gpuMemoryMiB: number;
  interconnect: Interconnect;
  verified: boolean;
  /** levels[tier][freeGpus] → nodes, best score first, then node id. */
  levels: [LevelList[], LevelList[]];
  /**
   * Per tier, bestFrom[g] = max over levels L ≥ g of (head score − packing weight × L / 8): with the job's
   * packing constant added back, the best any node with at least g free GPUs can score. Recomputed (over at most
   * a few levels) only after a list head changed, so a decision bounds a bucket in O(1).
   */
  bestFrom: [number[], number[]];
  headsChanged: [boolean, boolean];
}

/**
 * The nodes of one bucket, tier and free-GPU level, best first, with the lowest price and highest reliability
 * among them: a list that cannot hold a node under the job's price cap or over its reliability floor is skipped
 * without looking at its nodes (this is what keeps misses cheap when the cheap capacity is taken). A removal
 * leaves the bounds as they were (still true bounds, only looser); they are recomputed once removals reach a
 * quarter of the list, so keeping them costs O(1) amortized per change.
 */
interface LevelList {
  nodes: BookNode[];
  minPrice: number;
  maxReliability: number;
  removalsSinceRefresh: number;
}

function newLevelList(): LevelList {
  return { nodes: [], minPrice: Number.POSITIVE_INFINITY, maxReliability: -1, removalsSinceRefresh: 0 };
}

function refreshBounds(list: LevelList, tier: 0 | 1): void {
  let minPrice = Number.POSITIVE_INFINITY;
  let maxReliability = -1;
  for (const node of list.nodes) {
    if (node.priceNumber[tier] < minPrice) minPrice = node.priceNumber[tier];
    if (node.reliabilityBps > maxReliability) maxReliability = node.reliabilityBps;
  }
  list.minPrice = minPrice;
  list.maxReliability = maxReliability;
  list.removalsSinceRefresh = 0;
}

/** One gang member's share of a placement on `node`, with the ask and client price of the job's tier. */
export function allocationOn(node: Readonly<BookNode>, job: PlacementRequest): NodeAllocation {
  return {
    nodeId: node.nodeId,
    nodeName: node.nodeName,
    clusterId: node.clusterId,
    supplierId: node.supplierId,
    networkId: node.networkId,
    region: node.region,
    gpuProduct: node.gpuProduct,
    gpus: job.gpusPerNode,
    askMicros: askFor(node, job.tier) as bigint,
    priceMicros: node.clientPrice[tierIndex(job.tier)] as bigint,
  };
}

/** Orders nodes best first: higher score, then smaller node id (so ties never depend on arrival order). */
function before(a: BookNode, b: BookNode, tier: 0 | 1): boolean {
  const sa = a.score[tier];
  const sb = b.score[tier];
  return sa !== sb ? sa > sb : a.nodeId < b.nodeId;
}

function insertionPoint(list: BookNode[], node: BookNode, tier: 0 | 1): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(list[mid], node, tier)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The offer book: every node matching knows, indexed for fast decisions. It is a pure in-memory structure with
 * no I/O; the matching service keeps it in step with inventory's capacity feed and with the reservations in its
 * database, which remain the authority (the book may be briefly pessimistic, never the database optimistic).
 *
 * Cost of a decision: O(buckets that pass the job's bucket-level constraints × levels), plus the nodes skipped
 * at the head of a list because of a per-node constraint (reliability, price cap, failed-before). It does not
 * grow with the number of nodes in a bucket. Explaining a miss is a linear pass, paid only on a miss.
 */
export class OfferBook {
  private readonly nodesById = new Map<string, BookNode>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly bucketsByProduct = new Map<string, Bucket[]>();
  private readonly regionGpus = new Map<string, { sellable: number; reserved: number }>();

  constructor(private readonly options: OfferBookOptions) {}

  get size(): number {
    return this.nodesById.size;
  }

  get takeRateBps(): number {
    return this.options.takeRateBps;
  }

  get weights(): Readonly<ScoreWeights> {
    return this.options.weights;
  }

  get(nodeId: string): Readonly<BookNode> | undefined {
    return this.nodesById.get(nodeId);
  }

  nodes(): IterableIterator<Readonly<BookNode>> {
    return this.nodesById.values();
  }

  /** Adds a node or replaces its state; what matching reserved on it is kept. */
  upsert(state: NodeState): void {
    const existing = this.nodesById.get(state.nodeId);
    const reservedGpus = existing?.reservedGpus ?? 0;
    if (existing) this.unindex(existing);
    const clientPrice = TIERS.map((tier) => {
      const ask = askFor(state, tier);
      return ask === undefined
        ? undefined
        : clientPriceMicros(ask, state.takeRateBps ?? this.options.takeRateBps);
    }) as BookNode['clientPrice'];
    const score = clientPrice.map((price) =>
      price === undefined
        ? Number.NEGATIVE_INFINITY
        : nodeScore(price, state.benchmarkScore, state.reliabilityBps, this.options.weights),
    ) as BookNode['score'];
    // Every field set, always in this order: all nodes share one hidden class, which keeps the hot loops
    // monomorphic (a spread of optional fields would give nodes different shapes).
    const node: BookNode = {
      nodeId: state.nodeId,
      nodeName: state.nodeName,
      clusterId: state.clusterId,
      region: state.region,
      supplierId: state.supplierId,
      networkId: state.networkId,
      takeRateBps: state.takeRateBps,
      gpuProduct: state.gpuProduct,
      gpuMemoryMiB: state.gpuMemoryMiB,
      interconnect: state.interconnect,
      allocatableGpus: state.allocatableGpus,
      schedulable: state.schedulable,
      verification: state.verification,
      reliabilityBps: state.reliabilityBps,
      benchmarkScore: state.benchmarkScore,
      onDemandAskMicros: state.onDemandAskMicros,
      interruptibleAskMicros: state.interruptibleAskMicros,
      gpus: state.gpus ?? state.allocatableGpus,
      reliabilityParts: state.reliabilityParts,
      reservedGpus,
      gpusFree: Math.max(0, state.allocatableGpus - reservedGpus),
      clientPrice,
      priceNumber: clientPrice.map((price) =>
        price === undefined ? Number.POSITIVE_INFINITY : Number(price),
      ) as BookNode['priceNumber'],
      score,
      bucket: undefined,
      level: 0,
    };
    this.nodesById.set(node.nodeId, node);
    this.index(node);
  }

  remove(nodeId: string): void {
    const node = this.nodesById.get(nodeId);
    if (!node) return;
    this.unindex(node);
    this.nodesById.delete(nodeId);
  }

  /** Sets what is reserved on a node (from the database, the authority); unknown nodes are ignored. */
  setReserved(nodeId: string, reservedGpus: number): void {
    const node = this.nodesById.get(nodeId);
    if (!node || node.reservedGpus === reservedGpus) return;
    this.unindex(node);
    node.reservedGpus = reservedGpus;
    node.gpusFree = Math.max(0, node.allocatableGpus - reservedGpus);
    this.index(node);
  }

  /** Takes a placement's GPUs out of the book. */
  reserve(allocations: ReadonlyArray<Pick<NodeAllocation, 'nodeId' | 'gpus'>>): void {
    for (const { nodeId, gpus } of allocations) {
      const node = this.nodesById.get(nodeId);
      if (node) this.setReserved(nodeId, node.reservedGpus + gpus);
    }
  }

  /** Gives a placement's GPUs back. */
  release(allocations: ReadonlyArray<Pick<NodeAllocation, 'nodeId' | 'gpus'>>): void {
    for (const { nodeId, gpus } of allocations) {
      const node = this.nodesById.get(nodeId);
      if (node) this.setReserved(nodeId, Math.max(0, node.reservedGpus - gpus));
    }
  }

  /** Share of the region's sellable GPUs that are reserved (0 when the region sells nothing). */
  regionUtilization(region: string): number {
    const totals = this.regionGpus.get(region);
    return totals && totals.sellable > 0 ? Math.min(1, totals.reserved / totals.sellable) : 0;
  }

  /** The best placement for the job, or undefined when none exists now. Does not change the book. */
  place(job: PlacementRequest): Placement | undefined {
    const tier = tierIndex(job.tier);
    const { weights } = this.options;
    // Branch and bound: a bucket can score at most nodeCount × (its best list head + packing) + its region
    // term, because every list is sorted best first. Buckets are evaluated from the highest bound down, and the
    // search stops once no remaining bound can beat (or tie) the best placement found: usually after one bucket.
    const buckets: Bucket[] = [];
    const bounds: number[] = [];
    const bucketScores: number[] = [];
    const packingBack = (weights.packing * job.gpusPerNode) / 8;
    for (const bucket of this.candidateBuckets(job)) {
      if (bucket.headsChanged[tier]) this.refreshBestFrom(bucket, tier);
      const bestFrom = bucket.bestFrom[tier];
      if (job.gpusPerNode >= bestFrom.length) continue;
      const head = bestFrom[job.gpusPerNode];
      if (head === Number.NEGATIVE_INFINITY) continue;
      const bucketScore = regionScore(
        job.preferredRegions?.includes(bucket.region) ?? false,
        this.regionUtilization(bucket.region),
        weights,
      );
      buckets.push(bucket);
      bounds.push((head + packingBack + bucketScore) * job.nodeCount);
      bucketScores.push(bucketScore);
    }
    let best: Placement | undefined;
    // Best bound first, by selection: usually the first bucket wins and the rest are cut off, so sorting all of
    // them would be wasted work.
    for (let evaluated = 0; evaluated < buckets.length; evaluated += 1) {
      let top = -1;
      for (let i = 0; i < buckets.length; i += 1) {
        if (bounds[i] !== Number.NEGATIVE_INFINITY && (top < 0 || bounds[i] > bounds[top])) top = i;
      }
      const bound = bounds[top];
      bounds[top] = Number.NEGATIVE_INFINITY;
      // The margin absorbs float rounding between a sum of N values and N times their maximum.
      if (best && bound + 1e-9 < best.score) break;
      const chosen = this.bestInBucket(buckets[top], job, tier);
      if (!chosen) continue;
      const score = chosen.score + bucketScores[top] * job.nodeCount;
      if (
        !best ||
        score > best.score ||
        (score === best.score && chosen.nodes[0].nodeId < best.allocations[0].nodeId)
      ) {
        best = { tier: job.tier, score, allocations: chosen.nodes.map((n) => allocationOn(n, job)) };
      }
    }
    return best;
  }

  /**
   * Why a placement won, and what came second: the score of the chosen placement's first node term by term (a
   * gang's members share region, product and fabric), and the same for the best placement on other nodes, which
   * is what the job would have got without the chosen ones. Reads the book as it is before the placement is
   * reserved; changes nothing.
   */
  explainPlacement(
    job: PlacementRequest,
    placement: Placement,
  ): { chosen: PlacementScore; runnerUp?: PlacementScore } {
    const chosen = this.placementScore(job, placement);
    const excludedNodeIds = new Set([
      ...(job.excludedNodeIds ?? []),
      ...placement.allocations.map((a) => a.nodeId),
    ]);
    const second = this.place({ ...job, excludedNodeIds });
    return { chosen, ...(second ? { runnerUp: this.placementScore(job, second) } : {}) };
  }

  private placementScore(job: PlacementRequest, placement: Placement): PlacementScore {
    const [first] = placement.allocations;
    const node = this.nodesById.get(first.nodeId) as BookNode;
    return {
      nodeId: node.nodeId,
      nodeName: node.nodeName,
      supplierId: node.supplierId,
      networkId: node.networkId,
      region: node.region,
      priceMicros: first.priceMicros,
      score: scoreBreakdown(
        {
          clientPriceMicros: first.priceMicros,
          benchmarkScore: node.benchmarkScore,
          reliabilityBps: node.reliabilityBps,
        },
        {
          preferred: job.preferredRegions?.includes(node.region) ?? false,
          utilization: this.regionUtilization(node.region),
          idleGpusAfter: node.gpusFree - job.gpusPerNode,
        },
        this.options.weights,
      ),
    };
  }

  /**
   * Why the job does not fit: every node charged to the first constraint it fails (nodes that pass every
   * constraint but cannot form a co-located gang are charged to `gang-size`), and the cheapest near miss.
   */
  explain(job: PlacementRequest): Explanation {
    const exclusions: Explanation['exclusions'] = explainExclusions(
      this.nodesById.values(),
      job,
      this.options.takeRateBps,
    );
    let eligibleNodes = 0;
    let eligibleGpus = 0;
    let busyButFit = 0;
    let nearMiss: NearMiss | undefined;
    const consider = (candidate: NearMiss) => {
      if (
        !nearMiss ||
        (candidate.priceMicros ?? 0n) < (nearMiss.priceMicros ?? 0n) ||
        ((candidate.priceMicros ?? 0n) === (nearMiss.priceMicros ?? 0n) && candidate.nodeId < nearMiss.nodeId)
      ) {
        nearMiss = candidate;
      }
    };
    const tier = tierIndex(job.tier);
    for (const node of this.nodesById.values()) {
      const failed = violations(node, job, this.options.takeRateBps);
      if (failed.length === 0) {
        eligibleNodes += 1;
        eligibleGpus += node.gpusFree;
        consider({ relax: 'gang-size', priceMicros: node.clientPrice[tier], nodeId: node.nodeId });
        continue;
      }
      if (failed.length !== 1 || failed[0] === 'not-sellable' || failed[0] === 'failed-before') continue;
      if (failed[0] === 'gpus-per-node' && node.allocatableGpus >= job.gpusPerNode) busyButFit += 1;
      const priceTier = failed[0] === 'tier' ? 1 - tier : tier;
      consider({ relax: failed[0], priceMicros: node.clientPrice[priceTier], nodeId: node.nodeId });
    }
    if (eligibleNodes > 0) {
      exclusions.push({ constraint: 'gang-size', excludedNodes: eligibleNodes, excludedGpus: eligibleGpus });
    }
    return {
      code: eligibleNodes + busyButFit >= job.nodeCount ? 'MATCHING.NO_CAPACITY' : 'MATCHING.INFEASIBLE',
      exclusions,
      nearMiss,
      nodesConsidered: this.nodesById.size,
    };
  }

  /** The buckets whose shared attributes satisfy the job (product, memory, region, fabric, verification). */
  private candidateBuckets(job: PlacementRequest): Iterable<Bucket> {
    const pool = job.gpuProducts
      ? job.gpuProducts.flatMap((product) => this.bucketsByProduct.get(product) ?? [])
      : this.buckets.values();
    const result: Bucket[] = [];
    for (const bucket of pool) {
      if (!networkAllowed(job.networks, bucket.networkId)) continue;
      if (job.minGpuMemoryMiB !== undefined && bucket.gpuMemoryMiB < job.minGpuMemoryMiB) continue;
      if (job.regions && !job.regions.includes(bucket.region)) continue;
      if (job.interconnect && !fabricSatisfies(bucket.interconnect, job.interconnect, job.nodeCount))
        continue;
      if (job.verifiedOnly && !bucket.verified) continue;
      result.push(bucket);
    }
    return result;
  }

  /** Whether a node at the head of a list passes the per-node constraints the bucket does not settle. */
  private passes(node: BookNode, limits: NodeLimits, tier: 0 | 1): boolean {
    return (
      node.reliabilityBps >= limits.minReliability &&
      node.priceNumber[tier] <= limits.maxPrice &&
      (limits.excluded === undefined || !limits.excluded.has(node.nodeId))
    );
  }

  /** Whether a list can hold a node within the job's limits at all (see {@link LevelList}). */
  private mayPass(list: LevelList | undefined, limits: NodeLimits): boolean {
    if (!list || list.nodes.length === 0) return false;
    return list.minPrice <= limits.maxPrice && list.maxReliability >= limits.minReliability;
  }

  /**
   * The best `nodeCount` nodes of one bucket with at least `gpusPerNode` free: a merge of the per-level lists
   * (each already sorted), adding the packing term of its level. Undefined when the bucket has too few.
   */
  private bestInBucket(
    bucket: Bucket,
    job: PlacementRequest,
    tier: 0 | 1,
  ): { nodes: BookNode[]; score: number } | undefined {
    const levels = bucket.levels[tier];
    const limits: NodeLimits = {
      maxPrice: Number(job.maxPricePerGpuHourMicros),
      minReliability: job.minReliabilityBps ?? 0,
      excluded: job.excludedNodeIds && job.excludedNodeIds.size > 0 ? job.excludedNodeIds : undefined,
    };
    let available = 0;
    const open: boolean[] = [];
    for (let level = job.gpusPerNode; level < levels.length; level += 1) {
      open[level] = this.mayPass(levels[level], limits);
      if (open[level]) available += levels[level].nodes.length;
    }
    if (available < job.nodeCount) return undefined;

    const cursor: number[] = [];
    const advance = (level: number) => {
      const list = levels[level].nodes;
      let index = cursor[level] ?? 0;
      while (index < list.length && !this.passes(list[index], limits, tier)) index += 1;
      cursor[level] = index;
      return index < list.length ? list[index] : undefined;
    };
    const chosen: BookNode[] = [];
    let total = 0;
    while (chosen.length < job.nodeCount) {
      let pick: { node: BookNode; value: number; level: number } | undefined;
      for (let level = job.gpusPerNode; level < levels.length; level += 1) {
        if (!open[level]) continue;
        const node = advance(level);
        if (!node) continue;
        const value = node.score[tier] + packingScore(level - job.gpusPerNode, this.options.weights);
        if (!pick || value > pick.value || (value === pick.value && node.nodeId < pick.node.nodeId)) {
          pick = { node, value, level };
        }
      }
      if (!pick) return undefined;
      chosen.push(pick.node);
      total += pick.value;
      cursor[pick.level] += 1;
    }
    return { nodes: chosen, score: total };
  }

  private refreshBestFrom(bucket: Bucket, tier: 0 | 1): void {
    const levels = bucket.levels[tier];
    const bestFrom = new Array<number>(levels.length);
    let best = Number.NEGATIVE_INFINITY;
    for (let level = levels.length - 1; level >= 0; level -= 1) {
      const head = levels[level].nodes[0];
      if (head !== undefined) {
        const value = head.score[tier] - (this.options.weights.packing * level) / 8;
        if (value > best) best = value;
      }
      bestFrom[level] = best;
    }
    bucket.bestFrom[tier] = bestFrom;
    bucket.headsChanged[tier] = false;
  }

  private bucketFor(node: BookNode): Bucket {
    const verified = node.verification === 'verified';
    const key = [
      node.networkId ?? '',
      node.clusterId,
      node.region,
      node.gpuProduct,
      node.gpuMemoryMiB,
      node.interconnect,
      verified ? 'v' : 'u',
    ].join('|');
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = {
        key,
        clusterId: node.clusterId,
        networkId: node.networkId,
        region: node.region,
        gpuProduct: node.gpuProduct,
        gpuMemoryMiB: node.gpuMemoryMiB,
        interconnect: node.interconnect,
        verified,
        levels: [[], []],
        bestFrom: [[], []],
        headsChanged: [true, true],
      };
      this.buckets.set(key, bucket);
      this.bucketsByProduct.set(node.gpuProduct, [
        ...(this.bucketsByProduct.get(node.gpuProduct) ?? []),
        bucket,
      ]);
    }
    return bucket;
  }

  /** Sellable nodes with free GPUs are indexed; others are only counted in explanations. */
  private index(node: BookNode): void {
    const totals = this.regionGpus.get(node.region) ?? { sellable: 0, reserved: 0 };
    this.regionGpus.set(node.region, totals);
    if (!node.schedulable || node.verification === 'failed') return;
    totals.sellable += node.allocatableGpus;
    totals.reserved += Math.min(node.reservedGpus, node.allocatableGpus);
    if (node.gpusFree === 0) return;
    const bucket = this.bucketFor(node);
    node.bucket = bucket;
    node.level = node.gpusFree;
    for (const tier of [0, 1] as const) {
      if (node.clientPrice[tier] === undefined) continue;
      const levels = bucket.levels[tier];
      while (levels.length <= node.level) levels.push(newLevelList());
      const list = levels[node.level];
      const at = insertionPoint(list.nodes, node, tier);
      list.nodes.splice(at, 0, node);
      if (at === 0) bucket.headsChanged[tier] = true;
      list.minPrice = Math.min(list.minPrice, node.priceNumber[tier]);
      list.maxReliability = Math.max(list.maxReliability, node.reliabilityBps);
    }
  }

  private unindex(node: BookNode): void {
    const totals = this.regionGpus.get(node.region);
    if (totals && node.schedulable && node.verification !== 'failed') {
      totals.sellable -= node.allocatableGpus;
      totals.reserved -= Math.min(node.reservedGpus, node.allocatableGpus);
    }
    const bucket = node.bucket;
    if (!bucket) return;
    for (const tier of [0, 1] as const) {
      if (node.clientPrice[tier] === undefined) continue;
      const list = bucket.levels[tier][node.level];
      const at = insertionPoint(list.nodes, node, tier);
      if (list.nodes[at] !== node) throw new Error(`offer book index out of step for node ${node.nodeId}`);
      list.nodes.splice(at, 1);
      if (at === 0) bucket.headsChanged[tier] = true;
      list.removalsSinceRefresh += 1;
      if (list.removalsSinceRefresh * 4 > list.nodes.length) refreshBounds(list, tier);
    }
    node.bucket = undefined;
    node.level = 0;
  }
}
