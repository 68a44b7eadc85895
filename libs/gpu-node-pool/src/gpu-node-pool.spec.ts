import {
  buildGpuPool,
  GPU_TAINT,
  gpuNodeName,
  GpuPoolSpec,
  onboardingCommands,
  poolSpecProblems,
} from './gpu-node-pool';

const h100: GpuPoolSpec = {
  supplier: 'nordic-dc',
  pool: 'h100-sxm',
  region: 'eu-north',
  gpuProduct: 'H100-80GB',
  gpusPerNode: 8,
  count: 2,
  interconnect: 'infiniband',
};

describe('GPU node pools', () => {
  it('builds nodes that look like real GPU nodes', () => {
    const [node] = buildGpuPool(h100);
    expect(node.metadata.name).toBe('nordic-dc-h100-sxm-0000');
    expect(node.metadata.labels).toMatchObject({
      'gridex.io/supplier': 'nordic-dc',
      'gridex.io/pool': 'h100-sxm',
      'topology.kubernetes.io/region': 'eu-north',
      'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
      'nvidia.com/gpu.memory': '81559',
      'gridex.io/interconnect': 'infiniband',
    });
    expect(node.metadata.annotations).toEqual({
      'kwok.x-k8s.io/node': 'fake',
      'gridex.io/simulated-benchmark-score': '8000',
    });
    expect(node.spec.taints).toEqual([GPU_TAINT]);
    expect(node.status.capacity).toEqual({
      cpu: '192',
      memory: '2048Gi',
      pods: '110',
      'nvidia.com/gpu': '8',
    });
    expect(node.status.allocatable).toEqual(node.status.capacity);
  });

  it.each([
    [
      'a consumer card',
      { gpuProduct: 'RTX4090-24GB', gpusPerNode: 2 },
      { 'nvidia.com/gpu': '2', cpu: '16', memory: '64Gi' },
    ],
    [
      'a raw product label',
      { gpuProduct: 'NVIDIA-RTX-A6000', gpusPerNode: 8 },
      { 'nvidia.com/gpu': '8', cpu: '192' },
    ],
  ])('sizes %s', (_name, patch, capacity) => {
    expect(buildGpuPool({ ...h100, ...patch })[0].status.capacity).toMatchObject(capacity);
  });

  it('lets a simulated node score less than the GPU it declares', () => {
    const [slow] = buildGpuPool({ ...h100, simulatedScorePerGpu: 400 });
    expect(slow.metadata.annotations['gridex.io/simulated-benchmark-score']).toBe('3200');
  });

  it('names members from firstIndex so a pool can grow', () => {
    expect(buildGpuPool({ ...h100, count: 2, firstIndex: 7 }).map((n) => n.metadata.name)).toEqual([
      gpuNodeName('nordic-dc', 'h100-sxm', 7),
      gpuNodeName('nordic-dc', 'h100-sxm', 8),
    ]);
  });

  it.each([
    ['an upper-case supplier', { supplier: 'Nordic' }, /--supplier/],
    ['an unknown GPU', { gpuProduct: 'Voodoo2' }, /unknown GPU product "Voodoo2"; known: H100-80GB/],
    ['too many GPUs', { gpusPerNode: 17 }, /--gpus must be a whole number from 0 to 16/],
    ['no nodes', { count: 0 }, /--count/],
    ['an unknown interconnect', { interconnect: 'ethernet' as never }, /--interconnect/],
  ])('rejects %s', (_name, patch, problem) => {
    expect(poolSpecProblems({ ...h100, ...patch }).join('\n')).toMatch(problem);
    expect(() => buildGpuPool({ ...h100, ...patch })).toThrow(problem);
  });
});

describe('onboarding a supplier’s own nodes', () => {
  it('prints the label and taint lines of the contract for every node', () => {
    expect(
      onboardingCommands({
        supplier: 'nordic-dc',
        pool: 'h100-sxm',
        region: 'eu-north',
        interconnect: 'infiniband',
        nodes: ['gpu-01', 'gpu-02'],
      }),
    ).toEqual([
      'kubectl label node gpu-01 gridex.io/supplier=nordic-dc gridex.io/pool=h100-sxm ' +
        'topology.kubernetes.io/region=eu-north gridex.io/interconnect=infiniband --overwrite',
      'kubectl taint node gpu-01 nvidia.com/gpu=present:NoSchedule --overwrite',
      'kubectl label node gpu-02 gridex.io/supplier=nordic-dc gridex.io/pool=h100-sxm ' +
        'topology.kubernetes.io/region=eu-north gridex.io/interconnect=infiniband --overwrite',
      'kubectl taint node gpu-02 nvidia.com/gpu=present:NoSchedule --overwrite',
    ]);
  });

  it.each<[string, Partial<Parameters<typeof onboardingCommands>[0]>, RegExp]>([
    ['an upper-case pool', { pool: 'H100' }, /pool "H100"/],
    ['an unknown fabric', { interconnect: 'ethernet' as never }, /interconnect "ethernet"/],
    ['no node', { nodes: [] }, /at least one node/],
    ['a node name with a space', { nodes: ['gpu 01'] }, /node "gpu 01"/],
  ])('refuses %s', (_case, patch, problem) => {
    expect(() =>
      onboardingCommands({
        supplier: 'nordic-dc',
        pool: 'h100-sxm',
        region: 'eu-north',
        interconnect: 'nvlink',
        nodes: ['gpu-01'],
        ...patch,
      }),
    ).toThrow(problem);
  });
});
