import { BatchV1Api, CoreV1Api, KubeConfig, V1Pod, Watch } from '@kubernetes/client-node';
import { eventually, testKubeConfig, uniqueSuffix } from '@gridex/testing';
import { DEFAULT_FLEET_LABEL } from '../fleet/default-fleet';
import { buildGpuPool, GPU_TAINT } from '@gridex/gpu-node-pool';

const GPU_TOLERATION = {
  key: GPU_TAINT.key,
  operator: 'Equal',
  value: GPU_TAINT.value,
  effect: GPU_TAINT.effect,
};

describe('the local GPU cluster (real kube-apiserver, kube-scheduler, controller-manager; kwok nodes)', () => {
  let config: KubeConfig;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  const namespace = `cluster-test-${uniqueSuffix()}`;
  const nodesToDelete: string[] = [];

  beforeAll(async () => {
    config = testKubeConfig();
    core = config.makeApiClient(CoreV1Api);
    batch = config.makeApiClient(BatchV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    for (const name of nodesToDelete) await core.deleteNode({ name }).catch(() => undefined);
  });

  it('has the default fleet Ready, with GPU labels, taint and capacity', async () => {
    const [[key, value]] = Object.entries(DEFAULT_FLEET_LABEL);
    const nodes = await eventually(async () => {
      const list = await core.listNode({ labelSelector: `${key}=${value}` });
      const notReady = list.items.filter(
        (node) => node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
      );
      expect({ total: list.items.length >= 200, notReady: notReady.map((n) => n.metadata?.name) }).toEqual({
        total: true,
        notReady: [],
      });
      return list.items;
    }, 120_000);

    const gpuNodes = nodes.filter((node) => node.metadata?.labels?.['nvidia.com/gpu.present'] === 'true');
    expect(
      new Set(gpuNodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/region'])).size,
    ).toBeGreaterThanOrEqual(3);
    expect(new Set(gpuNodes.map((n) => n.metadata?.labels?.['nvidia.com/gpu.product'])).size).toBe(5);
    for (const node of gpuNodes) {
      const labels = node.metadata?.labels ?? {};
      expect(Object.keys(labels)).toEqual(
        expect.arrayContaining([
          'gridex.io/supplier',
          'gridex.io/pool',
          'topology.kubernetes.io/region',
          'nvidia.com/gpu.product',
          'nvidia.com/gpu.memory',
          'gridex.io/interconnect',
        ]),
      );
      expect(node.spec?.taints).toEqual([GPU_TAINT]);
      expect(Number(node.status?.allocatable?.['nvidia.com/gpu'])).toBeGreaterThan(0);
      expect(node.status?.capacity?.cpu).toBeDefined();
      expect(node.status?.capacity?.memory).toBeDefined();
    }
    const systemNodes = nodes.filter((node) => node.metadata?.labels?.['gridex.io/role'] === 'system');
    expect(systemNodes.length).toBeGreaterThan(0);
    expect(systemNodes.every((node) => (node.spec?.taints ?? []).length === 0)).toBe(true);
  });

  it('places a GPU Job with kube-scheduler on a matching node, runs it and completes it after its annotated duration', async () => {
    const name = `train-${uniqueSuffix()}`;
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '3s' } },
            spec: {
              restartPolicy: 'Never',
              nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
              tolerations: [GPU_TOLERATION],
              containers: [
                {
                  name: 'trainer',
                  image: 'registry.gridex.io/examples/trainer:1',
                  resources: { limits: { 'nvidia.com/gpu': '4' }, requests: { 'nvidia.com/gpu': '4' } },
                },
              ],
            },
          },
        },
      },
    });

    const job = await eventually(
      async () => {
        const current = await batch.readNamespacedJob({ name, namespace });
        expect(current.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
        return current;
      },
      60_000,
      250,
    );
    expect(job.status?.succeeded).toBe(1);

    const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })).items;
    const node = await core.readNode({ name: pod.spec?.nodeName ?? '' });
    expect(node.metadata?.labels?.['nvidia.com/gpu.product']).toBe('NVIDIA-A100-SXM4-80GB');
    const terminated = pod.status?.containerStatuses?.[0].state?.terminated;
    expect(terminated?.reason).toBe('Completed');
    const ranMs = Date.parse(String(terminated?.finishedAt)) - Date.parse(String(terminated?.startedAt));
    expect(ranMs).toBeGreaterThanOrEqual(3000);
  });

  it('keeps a GPU pod without a matching toleration off the GPU nodes', async () => {
    const name = `untolerated-${uniqueSuffix()}`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: {
          nodeSelector: { 'nvidia.com/gpu.present': 'true' },
          containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
        },
      },
    });
    const pod = await eventually(async () => {
      const current = await core.readNamespacedPod({ name, namespace });
      expect(current.status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason).toBe(
        'Unschedulable',
      );
      return current;
    });
    expect(pod.spec?.nodeName).toBeUndefined();
  });

  it('fails a pod annotated to fail, with the reason and exit code it asked for', async () => {
    const name = `oom-${uniqueSuffix()}`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name,
          annotations: {
            'gridex.io/simulate-failure': 'OOMKilled',
            'gridex.io/simulate-failure-exit-code': '137',
          },
        },
        spec: {
          restartPolicy: 'Never',
          tolerations: [GPU_TOLERATION],
          containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
        },
      },
    });
    const pod = await eventually(
      async () => {
        const current = await core.readNamespacedPod({ name, namespace });
        expect(current.status?.phase).toBe('Failed');
        return current;
      },
      30_000,
      200,
    );
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({
      reason: 'OOMKilled',
      exitCode: 137,
    });
  });

  it('fails a running pod the way a lost node does when its node is deleted', async () => {
    const [node] = buildGpuPool({
      supplier: 'lost-node-test',
      pool: uniqueSuffix(),
      region: 'eu-west',
      gpuProduct: 'RTX4090-24GB',
      gpusPerNode: 1,
      count: 1,
      interconnect: 'pcie',
    });
    const nodeName = node.metadata.name;
    nodesToDelete.push(nodeName);
    await core.createNode({ body: node });
    const name = `victim-${uniqueSuffix()}`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: {
          nodeName,
          restartPolicy: 'Never',
          tolerations: [GPU_TOLERATION],
          containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
        },
      },
    });
    await eventually(async () =>
      expect((await core.readNamespacedPod({ name, namespace })).status?.phase).toBe('Running'),
    );

    const seen: V1Pod[] = [];
    // The pod is quiet for a minute before the GC fails it, and client-node ends a watch after 30 s without an
    // event: watch again whenever it ends, until the test is done.
    let watching: AbortController | undefined;
    let done = false;
    const watchPod = async (): Promise<void> => {
      if (done) return;
      watching = await new Watch(config).watch(
        `/api/v1/namespaces/${namespace}/pods`,
        { fieldSelector: `metadata.name=${name}` },
        (_type, pod: V1Pod) => seen.push(pod),
        () => void watchPod(),
      );
    };
    await watchPod();
    try {
      await core.deleteNode({ name: nodeName });
      // kube-controller-manager's pod GC finds the orphan (it checks every 20 s, after a 40 s quarantine).
      const failed = await eventually(
        () => {
          const match = seen.find((pod) => pod.status?.phase === 'Failed');
          expect(match).toBeDefined();
          return match as V1Pod;
        },
        120_000,
        500,
      );
      expect(failed.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
        status: 'True',
        reason: 'DeletionByPodGC',
      });
    } finally {
      done = true;
      watching?.abort();
    }
  }, 180_000);
});
