import { buildGpuPool, NodeManifest } from '@gridex/gpu-node-pool';
import { KubeRest } from '@gridex/stack/benchmark';
import { until } from './measure';

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

/** Creates a namespace and waits for its default service account, without which pods in it are refused. */
export async function createBenchNamespace(rest: KubeRest, namespace: string): Promise<void> {
  await rest.expect('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
  await until(
    'the namespace default service account',
    async () =>
      (await rest.call('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).status === 200,
    60_000,
    500,
  );
}
