import { buildGpuPool, NodeManifest } from '@gridex/gpu-node-pool';

/**
 * The fleet the Kubernetes benchmarks measure on: `count` simulated single-GPU nodes (RTX 4090, PCIe, one region),
 * marked with a label of the run so they can be selected and deleted together.
 */
export function singleGpuBenchNodes(spec: {
  supplier: string;
  pool: string;
  count: number;
  label: readonly [key: string, value: string];
}): NodeManifest[] {
  return buildGpuPool({
    supplier: spec.supplier,
    pool: spec.pool,
    region: 'eu-west',
    gpuProduct: 'RTX4090-24GB',
    gpusPerNode: 1,
    count: spec.count,
    interconnect: 'pcie',
    labels: { [spec.label[0]]: spec.label[1] },
  });
}
