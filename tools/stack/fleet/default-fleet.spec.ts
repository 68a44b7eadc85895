import { defaultFleet, defaultFleetPools } from './default-fleet';

describe('the default fleet', () => {
  const fleet = defaultFleet();
  const gpuNodes = fleet.filter((node) => node.metadata.labels['nvidia.com/gpu.present'] === 'true');
  const distinct = (values: string[]) => new Set(values).size;

  it('has at least 200 nodes in at least 3 regions with the 5 GPU products', () => {
    expect(fleet.length).toBeGreaterThanOrEqual(200);
    expect(
      distinct(gpuNodes.map((n) => n.metadata.labels['topology.kubernetes.io/region'])),
    ).toBeGreaterThanOrEqual(3);
    expect([...new Set(gpuNodes.map((n) => n.metadata.labels['nvidia.com/gpu.product']))].sort()).toEqual([
      'NVIDIA-A100-SXM4-80GB',
      'NVIDIA-GeForce-RTX-3090-Ti',
      'NVIDIA-GeForce-RTX-4090',
      'NVIDIA-H100-80GB-HBM3',
      'NVIDIA-RTX-A6000',
    ]);
    expect(distinct(fleet.map((n) => n.metadata.name))).toBe(fleet.length);
  });

  it('gives data-center suppliers 8-GPU NVLink/InfiniBand nodes and individuals 1-2 GPU PCIe nodes', () => {
    for (const pool of defaultFleetPools()) {
      if (pool.supplier.endsWith('-dc')) {
        expect([pool.gpusPerNode, ['nvlink', 'infiniband'].includes(pool.interconnect)]).toEqual([8, true]);
      } else {
        expect([[1, 2].includes(pool.gpusPerNode), pool.interconnect]).toEqual([true, 'pcie']);
      }
    }
  });

  it('has untainted CPU-only system nodes for the platform itself', () => {
    const system = fleet.filter((node) => node.metadata.labels['gridex.io/role'] === 'system');
    expect(system.length).toBeGreaterThanOrEqual(1);
    for (const node of system) {
      expect(node.spec.taints).toBeUndefined();
      expect(node.status.capacity['nvidia.com/gpu']).toBeUndefined();
    }
  });
});
