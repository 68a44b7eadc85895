import { fingerprintOf, GpuNodeFacts, NodeObject, observationFor, readGpuNode } from './gpu-node-facts';
import { count, cpuMillis, memoryMiB } from './kubernetes-quantity';

const node = (
  patch: {
    labels?: Record<string, string | undefined>;
    capacity?: Record<string, string>;
    ready?: boolean;
    taints?: Array<{ key: string; value?: string; effect: string }>;
  } = {},
): NodeObject => {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries({
    'gridex.io/supplier': 'nordic-dc',
    'gridex.io/pool': 'h100-sxm',
    'topology.kubernetes.io/region': 'eu-north',
    'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
    'nvidia.com/gpu.memory': '81559',
    'gridex.io/interconnect': 'infiniband',
    ...patch.labels,
  })) {
    if (value !== undefined) labels[key] = value;
  }
  const resources = { cpu: '192', memory: '2048Gi', 'nvidia.com/gpu': '8', pods: '110', ...patch.capacity };
  return {
    metadata: { name: 'nordic-dc-h100-sxm-0000', resourceVersion: '42', labels },
    spec: { taints: patch.taints ?? [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: 'Ready', status: patch.ready === false ? 'False' : 'True' }],
    },
  };
};

describe('Kubernetes quantities', () => {
  it.each([
    [cpuMillis, '500m', 500],
    [cpuMillis, '192', 192_000],
    [cpuMillis, '1.5', 1500],
    [memoryMiB, '2048Gi', 2_097_152],
    [memoryMiB, '131072Ki', 128],
    [memoryMiB, '1G', 953],
    [memoryMiB, '1Ti', 1_048_576],
    [count, '8', 8],
  ] as const)('%p(%s) = %d', (convert, quantity, expected) => {
    expect(convert(quantity)).toBe(expected);
  });

  it.each([
    [cpuMillis, 'lots'],
    [memoryMiB, '12 GB'],
    [count, '1.5'],
  ] as const)('%p rejects %s', (convert, quantity) => {
    expect(() => convert(quantity)).toThrow(/not a/);
  });
});

describe('readGpuNode', () => {
  it('reads a node that follows the contract', () => {
    expect(readGpuNode(node())).toEqual({
      ok: true,
      facts: {
        nodeName: 'nordic-dc-h100-sxm-0000',
        resourceVersion: '42',
        ready: true,
        supplierId: 'nordic-dc',
        pool: 'h100-sxm',
        region: 'eu-north',
        gpuProduct: 'NVIDIA-H100-80GB-HBM3',
        gpuMemoryMiB: 81559,
        interconnect: 'infiniband',
        capacity: { gpus: 8, cpuMillis: 192_000, memoryMiB: 2_097_152 },
        allocatable: { gpus: 8, cpuMillis: 192_000, memoryMiB: 2_097_152 },
      },
    });
  });

  it.each([
    [
      'no supplier label',
      { labels: { 'gridex.io/supplier': undefined } },
      'label gridex.io/supplier is missing',
    ],
    [
      'an unknown interconnect',
      { labels: { 'gridex.io/interconnect': 'ethernet' } },
      'label gridex.io/interconnect="ethernet" is not one of nvlink, infiniband, pcie',
    ],
    [
      'GPU memory in GB',
      { labels: { 'nvidia.com/gpu.memory': '80GB' } },
      'label nvidia.com/gpu.memory="80GB" is not memory per GPU in MiB',
    ],
    [
      'an upper-case region',
      { labels: { 'topology.kubernetes.io/region': 'EU-North' } },
      'label topology.kubernetes.io/region="EU-North" is not a lower-case region',
    ],
    ['no GPU taint', { taints: [] }, 'taint nvidia.com/gpu=present:NoSchedule is missing'],
    [
      'the GPU taint with another effect',
      { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'PreferNoSchedule' }] },
      'taint nvidia.com/gpu=present:NoSchedule is missing',
    ],
    [
      'a fractional GPU count',
      { capacity: { 'nvidia.com/gpu': '0.5' } },
      'capacity.nvidia.com/gpu: "0.5" is not a whole number',
    ],
  ])('reports %s', (_name, patch, problem) => {
    const result = readGpuNode(node(patch));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toContain(problem);
  });
});

describe('observationFor', () => {
  const facts = (readGpuNode(node()) as { facts: GpuNodeFacts }).facts;
  const reported = { fingerprint: fingerprintOf(facts), ready: true, removed: false };
  it.each([
    ['a first sighting', undefined, facts, 'added'],
    ['a node seen again after removal', { ...reported, removed: true }, facts, 'added'],
    ['nothing new (heartbeat, resync)', reported, { ...facts, resourceVersion: '43' }, undefined],
    ['losing Ready', reported, { ...facts, ready: false }, 'not-ready'],
    ['regaining Ready', { ...reported, ready: false }, facts, 'ready'],
    [
      'fewer allocatable GPUs',
      reported,
      { ...facts, allocatable: { ...facts.allocatable, gpus: 7 } },
      'changed',
    ],
    ['a relabelled pool', reported, { ...facts, pool: 'h100-new' }, 'changed'],
    ['deletion', reported, undefined, 'removed'],
    ['deletion of a node already removed', { ...reported, removed: true }, undefined, undefined],
    ['deletion of a node never reported', undefined, undefined, undefined],
  ] as const)('%s → %s', (_name, previous, current, expected) => {
    expect(observationFor(previous, current)).toBe(expected);
  });
});
