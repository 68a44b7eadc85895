import {
  clientPriceMicros,
  CONSTRAINTS,
  explainExclusions,
  fabricSatisfies,
  firstViolation,
  JobRequirements,
  networkAllowed,
  NodeOffer,
} from './hard-constraints';

const TAKE = 1_000; // 10 %
const h100: NodeOffer = {
  nodeId: 'n-1',
  clusterId: 'local',
  region: 'eu-north',
  supplierId: 'nordic-dc',
  gpuProduct: 'NVIDIA-H100-80GB-HBM3',
  gpuMemoryMiB: 81_559,
  interconnect: 'infiniband',
  gpusFree: 8,
  schedulable: true,
  verification: 'verified',
  reliabilityBps: 9_990,
  onDemandAskMicros: 2_000_000n,
  interruptibleAskMicros: 1_200_000n,
};
const job: JobRequirements = {
  gpusPerNode: 8,
  nodeCount: 2,
  gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
  interconnect: 'infiniband',
  regions: ['eu-north'],
  maxPricePerGpuHourMicros: 2_500_000n,
  minReliabilityBps: 9_900,
  verifiedOnly: true,
  tier: 'on-demand',
};

describe('networkAllowed', () => {
  it.each<[string, Parameters<typeof networkAllowed>[0], string | undefined, boolean]>([
    ['Gridex capacity, no choice given', undefined, undefined, true],
    ['Gridex capacity, local only', 'local', undefined, true],
    ['Gridex capacity, a list of networks', ['peer-b'], undefined, true],
    ['a network, no choice given (any)', undefined, 'peer-b', true],
    ['a network, any', 'any', 'peer-b', true],
    ['a network, local only', 'local', 'peer-b', false],
    ['a listed network', ['peer-c', 'peer-b'], 'peer-b', true],
    ['an unlisted network', ['peer-c'], 'peer-b', false],
  ])('%s', (_name, choice, networkId, allowed) => {
    expect(networkAllowed(choice, networkId)).toBe(allowed);
  });
});

describe('firstViolation', () => {
  it('accepts a node that meets every constraint', () => {
    expect(firstViolation(h100, job, TAKE)).toBeUndefined();
  });

  it.each<[string, Partial<NodeOffer>, Partial<JobRequirements>, string]>([
    ['a node not for sale', { schedulable: false }, {}, 'not-sellable'],
    ['another network for a local-only job', { networkId: 'peer-b' }, { networks: 'local' }, 'network'],
    ['a network the job does not list', { networkId: 'peer-b' }, { networks: ['peer-c'] }, 'network'],
    ['another GPU model', { gpuProduct: 'NVIDIA-A100-SXM4-80GB' }, {}, 'gpu-product'],
    [
      'too little GPU memory',
      { gpuMemoryMiB: 24_564 },
      { gpuProducts: undefined, minGpuMemoryMiB: 40_000 },
      'gpu-memory',
    ],
    ['too few free GPUs', { gpusFree: 4 }, {}, 'gpus-per-node'],
    ['another region', { region: 'us-east' }, {}, 'region'],
    ['NVLink only, for a multi-node InfiniBand job', { interconnect: 'nvlink' }, {}, 'interconnect'],
    ['an unverified node for a verified-only job', { verification: 'unverified' }, {}, 'verified'],
    ['reliability below the minimum', { reliabilityBps: 9_000 }, {}, 'reliability'],
    [
      'no interruptible price for interruptible work',
      { interruptibleAskMicros: undefined },
      { tier: 'interruptible' },
      'tier',
    ],
    ['an ask whose client price exceeds the cap', { onDemandAskMicros: 2_300_000n }, {}, 'price-cap'],
  ])('rules out %s', (_name, nodePatch, jobPatch, constraint) => {
    expect(firstViolation({ ...h100, ...nodePatch }, { ...job, ...jobPatch }, TAKE)).toBe(constraint);
  });

  it.each<[string, bigint, 'ok' | 'price-cap']>([
    ['exactly at the cap after the take', 2_272_728n, 'price-cap'], // 2,272,728 × 1.1 = 2,500,000.8 → 2,500,001
    ['just under', 2_272_727n, 'ok'], // 2,499,999.7 → 2,500,000
  ])('compares the client price (ask + take) with the cap: %s', (_name, ask, expected) => {
    expect(firstViolation({ ...h100, onDemandAskMicros: ask }, job, TAKE) ?? 'ok').toBe(expected);
  });

  it('uses the interruptible ask for interruptible work', () => {
    const cheapCap = { ...job, tier: 'interruptible' as const, maxPricePerGpuHourMicros: 1_400_000n };
    expect(firstViolation(h100, cheapCap, TAKE)).toBeUndefined();
    expect(firstViolation(h100, { ...cheapCap, tier: 'on-demand' }, TAKE)).toBe('price-cap');
  });
});

describe('fabricSatisfies', () => {
  it.each<[string, 'nvlink' | 'infiniband' | 'pcie', 'nvlink' | 'infiniband' | 'pcie', number, boolean]>([
    ['PCIe asked: anything', 'pcie', 'pcie', 4, true],
    ['NVLink on one node', 'nvlink', 'nvlink', 1, true],
    ['NVLink asked on one InfiniBand node (NVLink inside)', 'infiniband', 'nvlink', 1, true],
    ['NVLink asked across nodes needs InfiniBand', 'nvlink', 'nvlink', 2, false],
    ['InfiniBand across nodes', 'infiniband', 'infiniband', 16, true],
    ['InfiniBand asked of a PCIe node', 'pcie', 'infiniband', 1, false],
  ])('%s', (_name, node, wanted, nodes, expected) => {
    expect(fabricSatisfies(node, wanted, nodes)).toBe(expected);
  });
});

describe('clientPriceMicros', () => {
  it.each([
    [2_000_000n, 1_000, 2_200_000n],
    [1n, 1_000, 2n], // 1.1 rounds up: the take is never rounded away
    [2_100_000n, 0, 2_100_000n],
    [3n, 3_333, 4n],
  ])('ask %s with %i bps → %s', (ask, bps, price) => {
    expect(clientPriceMicros(ask, bps)).toBe(price);
  });

  it.each([-1, 1.5])('refuses a take rate of %p', (bps) => {
    expect(() => clientPriceMicros(1n, bps)).toThrow(/take rate/);
  });
});

describe('explainExclusions', () => {
  const fleet: NodeOffer[] = [
    h100,
    { ...h100, nodeId: 'n-2', gpuProduct: 'NVIDIA-A100-SXM4-80GB' },
    { ...h100, nodeId: 'n-3', gpuProduct: 'NVIDIA-A100-SXM4-80GB', region: 'us-east' },
    { ...h100, nodeId: 'n-4', region: 'us-east', gpusFree: 2 },
    { ...h100, nodeId: 'n-5', onDemandAskMicros: 9_000_000n },
    { ...h100, nodeId: 'n-6', schedulable: false },
  ];

  it('charges each excluded node to the first constraint it fails, in the documented order', () => {
    expect(explainExclusions(fleet, job, TAKE)).toEqual([
      { constraint: 'not-sellable', excludedNodes: 1, excludedGpus: 8 },
      { constraint: 'gpu-product', excludedNodes: 2, excludedGpus: 16 },
      { constraint: 'gpus-per-node', excludedNodes: 1, excludedGpus: 2 },
      { constraint: 'price-cap', excludedNodes: 1, excludedGpus: 8 },
    ]);
  });

  it('adds up: excluded plus eligible nodes are all the nodes', () => {
    const excluded = explainExclusions(fleet, job, TAKE).reduce((sum, e) => sum + e.excludedNodes, 0);
    const eligible = fleet.filter((node) => firstViolation(node, job, TAKE) === undefined).length;
    expect(excluded + eligible).toBe(fleet.length);
    expect(CONSTRAINTS).toHaveLength(new Set(CONSTRAINTS).size);
  });
});
