import { clientPriceMicros, NetworkChoice } from '@gridex/contracts';

/**
 * The hard constraints of matching, evaluated for one node and one job: which constraint, if any, rules the node
 * out. Pure; the engine's indexes (to come) narrow the candidates, this decides and explains. The order of
 * CONSTRAINTS is the order of explanation: a node is charged to the first constraint it fails, so the
 * per-constraint counts of an explanation add up to the nodes considered.
 */

export { clientPriceMicros };

export type Interconnect = 'nvlink' | 'infiniband' | 'pcie';
export type Tier = 'on-demand' | 'interruptible';

/** One node of the offer book, as matching keeps it (from inventory's capacity feed). */
export interface NodeOffer {
  nodeId: string;
  clusterId: string;
  region: string;
  supplierId: string;
  /** The other compute network offering this capacity; undefined for Gridex's own suppliers. */
  networkId?: string;
  /** Gridex's take on this node when it is not the market's (the fee of the network offering it). */
  takeRateBps?: number;
  gpuProduct: string;
  gpuMemoryMiB: number;
  interconnect: Interconnect;
  gpusFree: number;
  schedulable: boolean;
  verification: 'unverified' | 'verified' | 'failed';
  reliabilityBps: number;
  /** Supplier asks per GPU-hour in micro-units; absent when the offer does not cover that tier. */
  onDemandAskMicros?: bigint;
  interruptibleAskMicros?: bigint;
}

/** What a job demands of every node of its gang. */
export interface JobRequirements {
  gpusPerNode: number;
  nodeCount: number;
  gpuProducts?: string[];
  minGpuMemoryMiB?: number;
  interconnect?: Interconnect;
  regions?: string[];
  /** Cap on the client price per GPU-hour (the ask plus the platform's take), micro-units. */
  maxPricePerGpuHourMicros: bigint;
  minReliabilityBps?: number;
  verifiedOnly?: boolean;
  tier: Tier;
  /** Where the job may run; any network when absent. */
  networks?: NetworkChoice;
  /** Nodes this job already failed on (failover never returns to them). */
  excludedNodeIds?: ReadonlySet<string>;
}

export const CONSTRAINTS = [
  'not-sellable',
  'failed-before',
  'network',
  'gpu-product',
  'gpu-memory',
  'gpus-per-node',
  'region',
  'interconnect',
  'verified',
  'reliability',
  'tier',
  'price-cap',
] as const;

export type Constraint = (typeof CONSTRAINTS)[number];

/** The supplier's ask for the job's tier, or undefined when the node's offer does not cover it. */
export function askFor(
  node: Pick<NodeOffer, 'onDemandAskMicros' | 'interruptibleAskMicros'>,
  tier: Tier,
): bigint | undefined {
  return tier === 'interruptible' ? node.interruptibleAskMicros : node.onDemandAskMicros;
}

/**
 * Whether a job that may run on `choice` may run on capacity of `networkId` (undefined: Gridex's own suppliers,
 * which every choice allows).
 */
export function networkAllowed(choice: NetworkChoice | undefined, networkId: string | undefined): boolean {
  if (networkId === undefined || choice === undefined || choice === 'any') return true;
  return choice !== 'local' && choice.includes(networkId);
}

type Check = (node: NodeOffer, job: JobRequirements, takeRateBps: number) => boolean;

/** Each constraint as a predicate that holds when the node satisfies it, in the order of CONSTRAINTS. */
const CHECKS: ReadonlyArray<readonly [Constraint, Check]> = [
  ['not-sellable', (node) => node.schedulable],
  ['failed-before', (node, job) => !job.excludedNodeIds?.has(node.nodeId)],
  ['network', (node, job) => networkAllowed(job.networks, node.networkId)],
  ['gpu-product', (node, job) => !job.gpuProducts || job.gpuProducts.includes(node.gpuProduct)],
  [
    'gpu-memory',
    (node, job) => job.minGpuMemoryMiB === undefined || node.gpuMemoryMiB >= job.minGpuMemoryMiB,
  ],
  ['gpus-per-node', (node, job) => node.gpusFree >= job.gpusPerNode],
  ['region', (node, job) => !job.regions || job.regions.includes(node.region)],
  [
    'interconnect',
    (node, job) => !job.interconnect || fabricSatisfies(node.interconnect, job.interconnect, job.nodeCount),
  ],
  ['verified', (node, job) => !job.verifiedOnly || node.verification === 'verified'],
  [
    'reliability',
    (node, job) => job.minReliabilityBps === undefined || node.reliabilityBps >= job.minReliabilityBps,
  ],
  ['tier', (node, job) => askFor(node, job.tier) !== undefined],
  [
    'price-cap',
    (node, job, takeRateBps) => {
      const ask = askFor(node, job.tier);
      return (
        ask === undefined ||
        clientPriceMicros(ask, node.takeRateBps ?? takeRateBps) <= job.maxPricePerGpuHourMicros
      );
    },
  ],
];

/** The first constraint the node fails for the job, or undefined when it can host one gang member. */
export function firstViolation(
  node: NodeOffer,
  job: JobRequirements,
  takeRateBps: number,
): Constraint | undefined {
  for (const [constraint, holds] of CHECKS) {
    if (!holds(node, job, takeRateBps)) return constraint;
  }
  return undefined;
}

/** Every constraint the node fails, in the order of CONSTRAINTS (empty when it fits). */
export function violations(node: NodeOffer, job: JobRequirements, takeRateBps: number): Constraint[] {
  return CHECKS.filter(([, holds]) => !holds(node, job, takeRateBps)).map(([constraint]) => constraint);
}

/**
 * Whether a node's fabric gives what the job asks. InfiniBand nodes also have NVLink inside; between nodes only
 * InfiniBand is a fast fabric, so a multi-node job asking for NVLink needs InfiniBand nodes.
 */
export function fabricSatisfies(node: Interconnect, wanted: Interconnect, nodeCount: number): boolean {
  if (wanted === 'pcie') return true;
  if (wanted === 'infiniband') return node === 'infiniband';
  return nodeCount > 1 ? node === 'infiniband' : node === 'nvlink' || node === 'infiniband';
}

/** How much capacity one constraint excluded. */
export interface Exclusion {
  constraint: Constraint;
  excludedNodes: number;
  excludedGpus: number;
}

/**
 * Why nodes were ruled out: for each constraint, the nodes (and their free GPUs) it was the first to exclude.
 * Constraints that excluded nothing are left out; the counts add up to the excluded nodes.
 */
export function explainExclusions(
  nodes: Iterable<NodeOffer>,
  job: JobRequirements,
  takeRateBps: number,
): Exclusion[] {
  const counts = new Map<Constraint, Exclusion>();
  for (const node of nodes) {
    const constraint = firstViolation(node, job, takeRateBps);
    if (constraint === undefined) continue;
    const entry = counts.get(constraint) ?? { constraint, excludedNodes: 0, excludedGpus: 0 };
    entry.excludedNodes += 1;
    entry.excludedGpus += node.gpusFree;
    counts.set(constraint, entry);
  }
  return CONSTRAINTS.flatMap((constraint) =>
    counts.has(constraint) ? [counts.get(constraint) as Exclusion] : [],
  );
}
