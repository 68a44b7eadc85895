import { GPU_TAINT, GpuNodeLabels } from '@gridex/gpu-node-pool';
import { cpuMillis, count, memoryMiB } from './kubernetes-quantity';

/** The parts of a Kubernetes Node the orchestrator reads (structurally compatible with V1Node). */
export interface NodeObject {
  metadata?: {
    name?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: Date | string;
  };
  spec?: { taints?: Array<{ key: string; value?: string; effect: string }> };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Array<{ type: string; status: string }>;
  };
}

/** What Gridex needs to know about a GPU node, read from its labels and status (see k8s/gpu-node-contract.md). */
export interface GpuNodeFacts {
  nodeName: string;
  resourceVersion: string;
  ready: boolean;
  supplierId: string;
  pool: string;
  region: string;
  gpuProduct: string;
  gpuMemoryMiB: number;
  interconnect: 'nvlink' | 'infiniband' | 'pcie';
  capacity: { gpus: number; cpuMillis: number; memoryMiB: number };
  allocatable: { gpus: number; cpuMillis: number; memoryMiB: number };
}

export type ReadResult =
  { ok: true; facts: GpuNodeFacts } | { ok: false; nodeName: string; problems: string[] };

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const REGION = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PRODUCT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const INTERCONNECTS = ['nvlink', 'infiniband', 'pcie'] as const;

/**
 * Reads a node against the GPU node-pool contract. Every problem is listed (the node label, what is wrong), so an
 * operator can fix a node pool in one pass; a node with problems is not offered.
 */
export function readGpuNode(node: NodeObject): ReadResult {
  const nodeName = node.metadata?.name ?? '(unnamed)';
  const labels = node.metadata?.labels ?? {};
  const problems: string[] = [];
  const label = (key: string, pattern: RegExp, what: string): string => {
    const value = labels[key];
    if (value === undefined) problems.push(`label ${key} is missing`);
    else if (!pattern.test(value)) problems.push(`label ${key}="${value}" is not ${what}`);
    return value ?? '';
  };
  const resources = (source: Record<string, string> | undefined, where: string) => {
    const read = <T>(key: string, convert: (q: string) => T, fallback: T): T => {
      const value = source?.[key];
      if (value === undefined) {
        problems.push(`${where}.${key} is missing`);
        return fallback;
      }
      try {
        return convert(value);
      } catch (error) {
        problems.push(`${where}.${key}: ${(error as Error).message}`);
        return fallback;
      }
    };
    return {
      gpus: read('nvidia.com/gpu', count, 0),
      cpuMillis: read('cpu', cpuMillis, 0),
      memoryMiB: read('memory', memoryMiB, 0),
    };
  };

  const supplierId = label(GpuNodeLabels.supplier, ID, 'a supplier id');
  const pool = label(GpuNodeLabels.pool, ID, 'a pool name');
  const region = label(GpuNodeLabels.region, REGION, 'a lower-case region');
  const gpuProduct = label(GpuNodeLabels.gpuProduct, PRODUCT, 'a GPU product');
  const memoryLabel = label(GpuNodeLabels.gpuMemoryMiB, /^\d{1,7}$/, 'memory per GPU in MiB');
  const interconnect = label(
    GpuNodeLabels.interconnect,
    /^(nvlink|infiniband|pcie)$/,
    `one of ${INTERCONNECTS.join(', ')}`,
  );
  const capacity = resources(node.status?.capacity, 'capacity');
  const allocatable = resources(node.status?.allocatable, 'allocatable');
  if (!node.metadata?.resourceVersion) problems.push('metadata.resourceVersion is missing');
  // Without the taint, work that never asked for a GPU may land on the node and take the CPU and memory the
  // GPUs' workloads were sold with.
  const gpuTaint = `${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`;
  const taints = node.spec?.taints ?? [];
  if (!taints.some((t) => t.key === GPU_TAINT.key && t.effect === GPU_TAINT.effect)) {
    problems.push(`taint ${gpuTaint} is missing`);
  }

  if (problems.length > 0) return { ok: false, nodeName, problems };
  return {
    ok: true,
    facts: {
      nodeName,
      resourceVersion: node.metadata?.resourceVersion ?? '',
      ready: node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True',
      supplierId,
      pool,
      region,
      gpuProduct,
      gpuMemoryMiB: Number(memoryLabel),
      interconnect: interconnect as GpuNodeFacts['interconnect'],
      capacity,
      allocatable,
    },
  };
}

/** What the orchestrator last reported about a node. */
export interface ReportedNode {
  fingerprint: string;
  ready: boolean;
  removed: boolean;
}

export type Observation = 'added' | 'changed' | 'ready' | 'not-ready' | 'removed';

/**
 * The change to report, if any, given what was last reported. Heartbeats and other status churn that do not
 * change what Gridex sells produce nothing, so a resync after a restart re-reports nothing.
 */
export function observationFor(
  previous: ReportedNode | undefined,
  facts: GpuNodeFacts | undefined,
): Observation | undefined {
  if (facts === undefined) return previous && !previous.removed ? 'removed' : undefined;
  if (!previous || previous.removed) return 'added';
  if (fingerprintOf(facts) !== previous.fingerprint) return 'changed';
  if (facts.ready !== previous.ready) return facts.ready ? 'ready' : 'not-ready';
  return undefined;
}

/** Everything about a node except readiness and resourceVersion, as one comparable string. */
export function fingerprintOf(facts: GpuNodeFacts): string {
  const { resourceVersion: _rv, ready: _ready, ...rest } = facts;
  return JSON.stringify(rest);
}
