/**
 * What a Gridex GPU node looks like to Kubernetes: the labels NVIDIA's device plugin and GPU feature discovery
 * put on a real node (`nvidia.com/gpu.*`, the `nvidia.com/gpu` resource), the labels the supplier adds
 * (`gridex.io/*`, region), and the GPU taint. Pure: builds manifests, applies nothing. See k8s/gpu-node-contract.md.
 */

export type Interconnect = 'nvlink' | 'infiniband' | 'pcie';

export interface GpuProduct {
  /** The `nvidia.com/gpu.product` label value, as GPU feature discovery writes it. */
  label: string;
  /** Memory per GPU in MiB (`nvidia.com/gpu.memory`). */
  memoryMiB: number;
  /** Data-center parts come in 8-GPU servers; consumer parts in home machines. */
  segment: 'datacenter' | 'consumer';
  /** What a simulated GPU of this model scores in the verification benchmark (H100 = 1000). */
  simulatedScorePerGpu: number;
}

export const GpuProducts = {
  'H100-80GB': {
    label: 'NVIDIA-H100-80GB-HBM3',
    memoryMiB: 81559,
    segment: 'datacenter',
    simulatedScorePerGpu: 1000,
  },
  'A100-80GB': {
    label: 'NVIDIA-A100-SXM4-80GB',
    memoryMiB: 81920,
    segment: 'datacenter',
    simulatedScorePerGpu: 400,
  },
  'A6000-48GB': {
    label: 'NVIDIA-RTX-A6000',
    memoryMiB: 49140,
    segment: 'datacenter',
    simulatedScorePerGpu: 200,
  },
  'RTX4090-24GB': {
    label: 'NVIDIA-GeForce-RTX-4090',
    memoryMiB: 24564,
    segment: 'consumer',
    simulatedScorePerGpu: 210,
  },
  'RTX3090Ti-24GB': {
    label: 'NVIDIA-GeForce-RTX-3090-Ti',
    memoryMiB: 24564,
    segment: 'consumer',
    simulatedScorePerGpu: 110,
  },
} as const satisfies Record<string, GpuProduct>;

export type GpuProductName = keyof typeof GpuProducts;

/** One homogeneous group of nodes of one supplier. */
export interface GpuPoolSpec {
  supplier: string;
  pool: string;
  region: string;
  /** A key of {@link GpuProducts} or a raw `nvidia.com/gpu.product` label. */
  gpuProduct: string;
  gpusPerNode: number;
  count: number;
  interconnect: Interconnect;
  /** Extra labels, e.g. the default fleet's marker. */
  labels?: Record<string, string>;
  /** Index of the first node (to extend a pool without renaming). */
  firstIndex?: number;
  /**
   * What each simulated GPU scores in the verification benchmark; defaults to the product's own. Set it lower to
   * make a node claim a better GPU than it has.
   */
  simulatedScorePerGpu?: number;
}

export interface NodeManifest {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { taints?: Array<{ key: string; value: string; effect: 'NoSchedule' }> };
  status: { capacity: Record<string, string>; allocatable: Record<string, string> };
}

/**
 * The label keys of the GPU node contract (k8s/gpu-node-contract.md): what the orchestrator reads of a node and
 * what simulated nodes carry. One map, so the reader and the builder cannot disagree.
 */
export const GpuNodeLabels = {
  supplier: 'gridex.io/supplier',
  pool: 'gridex.io/pool',
  interconnect: 'gridex.io/interconnect',
  region: 'topology.kubernetes.io/region',
  gpuPresent: 'nvidia.com/gpu.present',
  gpuProduct: 'nvidia.com/gpu.product',
  gpuMemoryMiB: 'nvidia.com/gpu.memory',
  gpuCount: 'nvidia.com/gpu.count',
} as const;

export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const };
/** kwok manages only nodes carrying this annotation. */
export const SIMULATED_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/**
 * On a simulated node, the score its benchmark reports (all GPUs together). A real node has no such annotation:
 * its benchmark container measures the GPUs.
 */
export const SIMULATED_BENCHMARK_SCORE_ANNOTATION = 'gridex.io/simulated-benchmark-score';

const LABEL_VALUE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Resolves a product name or label; throws on an unknown name with the list of known ones. */
export function resolveGpuProduct(nameOrLabel: string, memoryMiB?: number): GpuProduct {
  const known =
    (GpuProducts as Record<string, GpuProduct>)[nameOrLabel] ??
    Object.values(GpuProducts).find((product) => product.label === nameOrLabel);
  if (known) return known;
  if (memoryMiB !== undefined && LABEL_VALUE.test(nameOrLabel)) {
    return { label: nameOrLabel, memoryMiB, segment: 'datacenter', simulatedScorePerGpu: 0 };
  }
  throw new Error(`unknown GPU product "${nameOrLabel}"; known: ${Object.keys(GpuProducts).join(', ')}`);
}

/** Validates a pool spec; returns the problems (empty when valid). */
export function poolSpecProblems(spec: GpuPoolSpec): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(spec.supplier))
    problems.push(`--supplier "${spec.supplier}" must be a lower-case DNS label`);
  if (!DNS_LABEL.test(spec.pool)) problems.push(`--pool "${spec.pool}" must be a lower-case DNS label`);
  if (!DNS_LABEL.test(spec.region)) problems.push(`--region "${spec.region}" must be a lower-case DNS label`);
  if (!Number.isInteger(spec.gpusPerNode) || spec.gpusPerNode < 0 || spec.gpusPerNode > 16) {
    problems.push(`--gpus must be a whole number from 0 to 16, got ${spec.gpusPerNode}`);
  }
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > 10_000) {
    problems.push(`--count must be a whole number from 1 to 10000, got ${spec.count}`);
  }
  if (!['nvlink', 'infiniband', 'pcie'].includes(spec.interconnect)) {
    problems.push(`--interconnect must be nvlink, infiniband or pcie, got ${spec.interconnect}`);
  }
  try {
    resolveGpuProduct(spec.gpuProduct);
  } catch (error) {
    problems.push(`--gpu-product: ${(error as Error).message}`);
  }
  return problems;
}

/** The node name of member `index` of a pool: `<supplier>-<pool>-<index, 4 digits>`. */
export function gpuNodeName(supplier: string, pool: string, index: number): string {
  return `${supplier}-${pool}-${String(index).padStart(4, '0')}`;
}

/** The Node objects of a GPU pool, sized like real machines of that class. */
export function buildGpuPool(spec: GpuPoolSpec): NodeManifest[] {
  const problems = poolSpecProblems(spec);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const product = resolveGpuProduct(spec.gpuProduct);
  const first = spec.firstIndex ?? 0;
  // A data-center GPU server has ~24 cores and ~256 GiB per GPU; a home machine 16 cores and 64 GiB in all.
  const cpuCores = product.segment === 'datacenter' ? 24 * spec.gpusPerNode : 16;
  const memoryGiB = product.segment === 'datacenter' ? 256 * spec.gpusPerNode : 64;
  return Array.from({ length: spec.count }, (_, offset) =>
    simulatedNode({
      name: gpuNodeName(spec.supplier, spec.pool, first + offset),
      region: spec.region,
      labels: {
        [GpuNodeLabels.gpuPresent]: 'true',
        [GpuNodeLabels.gpuProduct]: product.label,
        [GpuNodeLabels.gpuMemoryMiB]: String(product.memoryMiB),
        [GpuNodeLabels.gpuCount]: String(spec.gpusPerNode),
        [GpuNodeLabels.supplier]: spec.supplier,
        [GpuNodeLabels.pool]: spec.pool,
        [GpuNodeLabels.interconnect]: spec.interconnect,
        ...spec.labels,
      },
      annotations: {
        [SIMULATED_BENCHMARK_SCORE_ANNOTATION]: String(
          (spec.simulatedScorePerGpu ?? product.simulatedScorePerGpu) * spec.gpusPerNode,
        ),
      },
      resources: {
        cpu: String(cpuCores),
        memory: `${memoryGiB}Gi`,
        pods: '110',
        'nvidia.com/gpu': String(spec.gpusPerNode),
      },
      taints: [GPU_TAINT],
    }),
  );
}

/** Untainted CPU-only nodes where the platform's own pods run. */
export function buildSystemNodes(
  count: number,
  region: string,
  labels: Record<string, string> = {},
): NodeManifest[] {
  return Array.from({ length: count }, (_, index) =>
    simulatedNode({
      name: `gridex-system-${index}`,
      region,
      labels: { 'gridex.io/role': 'system', ...labels },
      annotations: {},
      resources: { cpu: '32', memory: '128Gi', pods: '110' },
    }),
  );
}

/** A simulated node: the standard Kubernetes labels, kwok's annotation, the given resources as capacity and allocatable. */
function simulatedNode(node: {
  name: string;
  region: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resources: Record<string, string>;
  taints?: NodeManifest['spec']['taints'];
}): NodeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        [GpuNodeLabels.region]: node.region,
        'topology.kubernetes.io/zone': `${node.region}-a`,
        ...node.labels,
      },
      annotations: { [SIMULATED_NODE_ANNOTATION]: 'fake', ...node.annotations },
    },
    spec: node.taints ? { taints: node.taints } : {},
    status: { capacity: { ...node.resources }, allocatable: { ...node.resources } },
  };
}

/** What a supplier's pool of real nodes carries besides what the NVIDIA GPU Operator puts there. */
export interface PoolJoin {
  supplier: string;
  pool: string;
  region: string;
  interconnect: Interconnect;
  /** The Kubernetes names of the nodes to join. */
  nodes: string[];
}

/**
 * The exact `kubectl` lines that make a supplier's nodes follow the contract (k8s/gpu-node-contract.md): the
 * supplier's labels and the GPU taint, per node. Throws with every problem when a value would not be accepted.
 */
export function onboardingCommands(join: PoolJoin): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(join.supplier))
    problems.push(`supplier "${join.supplier}" must be a lower-case DNS label`);
  if (!DNS_LABEL.test(join.pool)) problems.push(`pool "${join.pool}" must be a lower-case DNS label`);
  if (!DNS_LABEL.test(join.region)) problems.push(`region "${join.region}" must be a lower-case DNS label`);
  if (!['nvlink', 'infiniband', 'pcie'].includes(join.interconnect)) {
    problems.push(`interconnect "${join.interconnect}" must be nvlink, infiniband or pcie`);
  }
  if (join.nodes.length === 0) problems.push('name at least one node');
  for (const node of join.nodes) {
    if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(node))
      problems.push(`node "${node}" is not a node name`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  const labels = [
    `${GpuNodeLabels.supplier}=${join.supplier}`,
    `${GpuNodeLabels.pool}=${join.pool}`,
    `${GpuNodeLabels.region}=${join.region}`,
    `${GpuNodeLabels.interconnect}=${join.interconnect}`,
  ].join(' ');
  const taint = `${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`;
  return join.nodes.flatMap((node) => [
    `kubectl label node ${node} ${labels} --overwrite`,
    `kubectl taint node ${node} ${taint} --overwrite`,
  ]);
}
