/**
 * The synthetic market the routing benchmarks decide on (`bench/matching`, `bench/federation`): a deterministic
 * PRNG, the GPU products and regions, a fleet of data-center and home nodes, and a mix of single-node jobs.
 */
import { NodeState, PlacementRequest } from '@gridex/matching/benchmark';

/** A small deterministic PRNG (mulberry32) so every run measures the same fleets and jobs. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const REGIONS = [
  'eu-north',
  'eu-west',
  'eu-central',
  'us-east',
  'us-west',
  'ap-southeast',
  'ap-northeast',
  'sa-east',
];
export interface Product {
  name: string;
  memoryMiB: number;
  gpus: number[];
  interconnect: NodeState['interconnect'];
  askMicros: number;
  score: number;
  datacenter: boolean;
}
export const PRODUCTS: Product[] = [
  {
    name: 'NVIDIA-H100-80GB-HBM3',
    memoryMiB: 81_559,
    gpus: [8],
    interconnect: 'infiniband',
    askMicros: 2_100_000,
    score: 3000,
    datacenter: true,
  },
  {
    name: 'NVIDIA-A100-SXM4-80GB',
    memoryMiB: 81_920,
    gpus: [8],
    interconnect: 'nvlink',
    askMicros: 1_300_000,
    score: 1800,
    datacenter: true,
  },
  {
    name: 'NVIDIA-L40S',
    memoryMiB: 46_068,
    gpus: [4, 8],
    interconnect: 'pcie',
    askMicros: 800_000,
    score: 1200,
    datacenter: true,
  },
  {
    name: 'NVIDIA-GeForce-RTX-4090',
    memoryMiB: 24_564,
    gpus: [1, 2],
    interconnect: 'pcie',
    askMicros: 350_000,
    score: 1000,
    datacenter: false,
  },
  {
    name: 'NVIDIA-GeForce-RTX-3090-Ti',
    memoryMiB: 24_564,
    gpus: [1],
    interconnect: 'pcie',
    askMicros: 200_000,
    score: 650,
    datacenter: false,
  },
];

/** A fleet of about `targetGpus` GPUs: 60 % in data centers, 40 % in homes. */
export function buildFleet(targetGpus: number, rand: () => number): NodeState[] {
  const nodes: NodeState[] = [];
  let gpus = 0;
  for (let i = 0; gpus < targetGpus; i += 1) {
    const home = rand() < (0.4 * (8 / 1.5)) / (0.6 + 0.4 * (8 / 1.5)); // node share giving 40 % of GPUs at home
    const candidates = PRODUCTS.filter((p) => p.datacenter !== home);
    const product = candidates[Math.floor(rand() * candidates.length)];
    const count = product.gpus[Math.floor(rand() * product.gpus.length)];
    const ask = BigInt(Math.round(product.askMicros * (0.7 + 0.6 * rand())));
    const region = REGIONS[Math.floor(rand() * REGIONS.length)];
    nodes.push({
      nodeId: `node-${String(i).padStart(7, '0')}`,
      nodeName: `node-${i}`,
      clusterId: `${region}-${Math.floor(rand() * 4)}`,
      region,
      supplierId: home ? `home-${i}` : `dc-${i % 40}`,
      gpuProduct: product.name,
      gpuMemoryMiB: product.memoryMiB,
      interconnect: product.interconnect,
      allocatableGpus: count,
      schedulable: true,
      verification: rand() < 0.85 ? 'verified' : 'unverified',
      reliabilityBps: home ? 9_000 + Math.floor(rand() * 950) : 9_800 + Math.floor(rand() * 199),
      benchmarkScore: Math.round(product.score * count * (0.9 + 0.2 * rand())) / count,
      onDemandAskMicros: ask,
      interruptibleAskMicros: rand() < 0.7 ? (ask * 6n) / 10n : undefined,
    });
    gpus += count;
  }
  return nodes;
}

export function singleJob(rand: () => number): PlacementRequest {
  const product = PRODUCTS[Math.floor(rand() * PRODUCTS.length)];
  const gpusPerNode = Math.min(
    product.gpus[product.gpus.length - 1],
    [1, 1, 1, 2, 4, 8][Math.floor(rand() * 6)],
  );
  const byMemory = rand() < 0.3;
  return {
    gpusPerNode,
    nodeCount: 1,
    ...(byMemory ? { minGpuMemoryMiB: product.memoryMiB } : { gpuProducts: [product.name] }),
    regions:
      rand() < 0.5
        ? [REGIONS[Math.floor(rand() * REGIONS.length)], REGIONS[Math.floor(rand() * REGIONS.length)]]
        : undefined,
    preferredRegions: rand() < 0.3 ? [REGIONS[Math.floor(rand() * REGIONS.length)]] : undefined,
    maxPricePerGpuHourMicros: BigInt(Math.round(product.askMicros * (1.1 + rand()))),
    minReliabilityBps: rand() < 0.3 ? 9_500 : undefined,
    verifiedOnly: rand() < 0.5,
    tier: rand() < 0.25 ? 'interruptible' : 'on-demand',
  };
}
