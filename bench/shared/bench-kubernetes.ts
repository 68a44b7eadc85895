import path from 'node:path';
import { buildGpuPool, NodeManifest } from '@gridex/gpu-node-pool';
import { KubeRest } from '../../tools/stack/kubernetes/kube-rest';
import { LOOPBACK, StackPaths, StackPorts } from '../../tools/stack/stack-paths';

/** The local stack's kube-apiserver as the admin, for benchmarks that create and delete thousands of objects. */
export function benchKubeRest(concurrency = 64): KubeRest {
  const pki = path.join(StackPaths.stateDir, 'kubernetes', 'pki');
  return new KubeRest(
    `https://${LOOPBACK}:${StackPorts.kubeApiserver}`,
    {
      caCert: path.join(pki, 'ca.crt'),
      clientCert: path.join(pki, 'admin.crt'),
      clientKey: path.join(pki, 'admin.key'),
    },
    concurrency,
  );
}

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
