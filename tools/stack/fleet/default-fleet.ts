import { buildGpuPool, buildSystemNodes, GpuPoolSpec, NodeManifest } from '@gridex/gpu-node-pool';

/** Marks the nodes `stack:up` creates, so it can tell whether the default fleet is complete. */
export const DEFAULT_FLEET_LABEL = { 'gridex.io/fleet': 'default' };

const CONSUMER_REGIONS = ['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-southeast'];

/**
 * The fleet every local stack starts with: data-center suppliers with 8-GPU H100, A100 and A6000 servers
 * (NVLink inside, InfiniBand between the H100s) in three regions, eighty individual suppliers with one or two
 * RTX 4090 or 3090 Ti cards on PCIe across five regions, and three CPU-only system nodes. 203 nodes, 592 GPUs.
 */
export function defaultFleetPools(): GpuPoolSpec[] {
  const datacenter: GpuPoolSpec[] = [
    {
      supplier: 'nordic-dc',
      pool: 'h100-sxm',
      region: 'eu-north',
      gpuProduct: 'H100-80GB',
      gpusPerNode: 8,
      count: 8,
      interconnect: 'infiniband',
    },
    {
      supplier: 'nordic-dc',
      pool: 'a100-sxm',
      region: 'eu-north',
      gpuProduct: 'A100-80GB',
      gpusPerNode: 8,
      count: 8,
      interconnect: 'nvlink',
    },
    {
      supplier: 'atlantic-dc',
      pool: 'h100-sxm',
      region: 'us-east',
      gpuProduct: 'H100-80GB',
      gpusPerNode: 8,
      count: 8,
      interconnect: 'infiniband',
    },
    {
      supplier: 'atlantic-dc',
      pool: 'a6000',
      region: 'us-east',
      gpuProduct: 'A6000-48GB',
      gpusPerNode: 8,
      count: 8,
      interconnect: 'nvlink',
    },
    {
      supplier: 'pacific-dc',
      pool: 'a100-sxm',
      region: 'ap-southeast',
      gpuProduct: 'A100-80GB',
      gpusPerNode: 8,
      count: 8,
      interconnect: 'nvlink',
    },
  ];
  const individuals: GpuPoolSpec[] = Array.from({ length: 80 }, (_, i) => ({
    supplier: `home-${String(i + 1).padStart(3, '0')}`,
    pool: i % 3 === 2 ? 'rtx3090ti' : 'rtx4090',
    region: CONSUMER_REGIONS[i % CONSUMER_REGIONS.length],
    gpuProduct: i % 3 === 2 ? 'RTX3090Ti-24GB' : 'RTX4090-24GB',
    gpusPerNode: i % 4 === 0 ? 2 : 1,
    count: 2,
    interconnect: 'pcie',
  }));
  return [...datacenter, ...individuals].map((pool) => ({ ...pool, labels: { ...DEFAULT_FLEET_LABEL } }));
}

export function defaultFleet(): NodeManifest[] {
  return [
    ...defaultFleetPools().flatMap(buildGpuPool),
    ...buildSystemNodes(3, 'eu-west', { ...DEFAULT_FLEET_LABEL }),
  ];
}
