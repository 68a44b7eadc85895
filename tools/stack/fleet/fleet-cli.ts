/**
 * `npm run stack:fleet -- --supplier <id> --pool <name> --region <r> --gpu-product <product> --gpus <per node>
 *  --count <nodes> [--interconnect nvlink|pcie|infiniband] [--first-index N]`
 *
 * Adds simulated GPU nodes to the local cluster. Nodes that already exist are left alone, so the same command
 * can be repeated; raise --count (or set --first-index) to grow a pool.
 */
import { parseArgs } from 'node:util';
import { stackAdminRest } from '../kubernetes/kube-rest';
import { applyNodes } from './apply-fleet';
import {
  buildGpuPool,
  GpuPoolSpec,
  GpuProducts,
  Interconnect,
  poolSpecProblems,
} from '@gridex/gpu-node-pool';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      supplier: { type: 'string' },
      pool: { type: 'string' },
      region: { type: 'string' },
      'gpu-product': { type: 'string' },
      gpus: { type: 'string' },
      count: { type: 'string' },
      interconnect: { type: 'string', default: 'pcie' },
      'first-index': { type: 'string', default: '0' },
    },
  });
  const missing = ['supplier', 'pool', 'region', 'gpu-product', 'gpus', 'count'].filter(
    (name) => values[name as keyof typeof values] === undefined,
  );
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.map((name) => `--${name}`).join(', ')}\n` +
        `GPU products: ${Object.keys(GpuProducts).join(', ')} (or a raw nvidia.com/gpu.product label)`,
    );
  }
  const spec: GpuPoolSpec = {
    supplier: values.supplier as string,
    pool: values.pool as string,
    region: values.region as string,
    gpuProduct: values['gpu-product'] as string,
    gpusPerNode: Number(values.gpus),
    count: Number(values.count),
    interconnect: values.interconnect as Interconnect,
    firstIndex: Number(values['first-index']),
  };
  const problems = poolSpecProblems(spec);
  if (problems.length > 0) throw new Error(problems.join('\n'));

  const rest = stackAdminRest();
  try {
    const started = Date.now();
    const nodes = buildGpuPool(spec);
    const created = await applyNodes(rest, nodes);
    console.log(
      `fleet: ${created} of ${nodes.length} nodes created (${nodes.length - created} existed) for ` +
        `${spec.supplier}/${spec.pool} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    rest.close();
  }
}

main().catch((error: unknown) => {
  console.error(`stack:fleet: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
