/**
 * Cluster benchmark: the baseline the orchestrator will be measured against.
 *
 *   npm run bench:cluster -- [--nodes 5000] [--pods 5000]
 *
 * 1. Creates that many simulated single-GPU nodes and times until all are Ready (nodesReadySeconds).
 * 2. Creates single-GPU pods (GPU toleration, a node selector for the benchmark's nodes) and times kube-scheduler
 *    (default profile, client QPS stated below) from the first creation to all bound (kubeSchedulerBindsPerSecond)
 *    and to all Running, kwok's start-up stage included (kubeSchedulerPodsPerSecond).
 * 3. Reads kube-apiserver's resident memory with that fleet and those pods (apiserverRssMb).
 * Then deletes what it created. Writes bench/results/cluster.json. Needs `npm run stack:up`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEDULER_QPS, applyNodes, stackAdminRest, StackPaths } from '@gridex/stack/benchmark';
import { GPU_TAINT } from '@gridex/gpu-node-pool';
import { singleGpuBenchNodes } from '../shared/bench-kubernetes';

const { values: args } = parseArgs({
  options: { nodes: { type: 'string', default: '5000' }, pods: { type: 'string', default: '5000' } },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const RUN = Date.now().toString(36);
const BENCH_LABEL = `gridex.io/bench=cluster-${RUN}`;

const stateDir = path.join(StackPaths.stateDir, 'kubernetes');
const rest = stackAdminRest(64);

interface Item {
  metadata: { name: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

async function count(listPath: string, predicate: (item: Item) => boolean = () => true): Promise<number> {
  const list = await rest.expect<{ items: Item[] }>('GET', listPath);
  return list.items.filter(predicate).length;
}

async function waitUntil(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Polls cost the API server too; once a second keeps the measurement from disturbing what it measures.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function apiserverRssMb(): number {
  const pid = readFileSync(path.join(stateDir, 'kube-apiserver.pid'), 'utf8').trim();
  const rssKb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(rssKb) / 1024);
}

async function main(): Promise<void> {
  const namespace = `bench-cluster-${RUN}`;
  const selector = encodeURIComponent(BENCH_LABEL);
  const [labelKey, labelValue] = BENCH_LABEL.split('=');
  const rssBefore = apiserverRssMb();
  try {
    console.log(`creating ${NODES} simulated single-GPU nodes ...`);
    const nodes = singleGpuBenchNodes({
      supplier: 'bench',
      pool: `cluster-${RUN}`,
      count: NODES,
      label: [labelKey, labelValue],
    });
    const nodesStarted = performance.now();
    await applyNodes(rest, nodes, 64);
    await waitUntil(
      `${NODES} nodes Ready`,
      async () =>
        (await count(`/api/v1/nodes?labelSelector=${selector}`, (node) =>
          Boolean(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
        )) === NODES,
      20 * 60_000,
    );
    const nodesReadySeconds = (performance.now() - nodesStarted) / 1000;
    console.log(`  all Ready in ${nodesReadySeconds.toFixed(1)} s`);

    await rest.expect('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
    await waitUntil(
      'the namespace default service account',
      async () =>
        (await rest.call('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).status === 200,
      60_000,
    );

    console.log(`creating ${PODS} single-GPU pods for kube-scheduler ...`);
    const podsStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < PODS) {
          const index = next++;
          await rest.expect('POST', `/api/v1/namespaces/${namespace}/pods`, {
            metadata: { name: `gpu-${index}`, labels: { app: 'bench' } },
            spec: {
              automountServiceAccountToken: false,
              nodeSelector: { [labelKey]: labelValue },
              tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
              containers: [{ name: 'c', image: 'bench', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
            },
          });
        }
      }),
    );
    const createdSeconds = (performance.now() - podsStarted) / 1000;
    // Field selectors return only the pods still waiting, so the polls get cheaper as the run progresses.
    await waitUntil(
      `${PODS} pods bound to nodes`,
      async () => (await count(`/api/v1/namespaces/${namespace}/pods?fieldSelector=spec.nodeName%3D`)) === 0,
      20 * 60_000,
    );
    const scheduledSeconds = (performance.now() - podsStarted) / 1000;
    await waitUntil(
      `${PODS} pods Running`,
      async () =>
        (await count(`/api/v1/namespaces/${namespace}/pods?fieldSelector=status.phase%21%3DRunning`)) === 0,
      20 * 60_000,
    );
    const podsSeconds = (performance.now() - podsStarted) / 1000;
    const result = {
      nodes: NODES,
      nodesReadySeconds: Number(nodesReadySeconds.toFixed(1)),
      nodesPerSecond: Math.round(NODES / nodesReadySeconds),
      pods: PODS,
      podCreationSeconds: Number(createdSeconds.toFixed(1)),
      podsBoundSeconds: Number(scheduledSeconds.toFixed(1)),
      podsRunningSeconds: Number(podsSeconds.toFixed(1)),
      // From the first creation to all Running, as the orchestrator will be measured.
      kubeSchedulerPodsPerSecond: Math.round(PODS / podsSeconds),
      kubeSchedulerBindsPerSecond: Math.round(PODS / scheduledSeconds),
      kubeSchedulerClientQps: SCHEDULER_QPS,
      kubeSchedulerClientBurst: SCHEDULER_QPS * 2,
      kubeSchedulerProfile: 'default-scheduler',
      apiserverRssMbBefore: rssBefore,
      apiserverRssMb: apiserverRssMb(),
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'cluster.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log('\n| metric | value |\n|---|---|');
    for (const [key, value] of Object.entries(result)) console.log(`| ${key} | ${value} |`);
    console.log(`\nwritten to ${path.relative(process.cwd(), outFile)}`);
  } finally {
    console.log('cleaning up ...');
    // Deleting thousands of nodes takes minutes (each one's lease, pods and status go too); do it server-side.
    const cleanup = await Promise.allSettled([
      rest.call('DELETE', `/api/v1/namespaces/${namespace}`),
      rest.call('DELETE', `/api/v1/nodes?labelSelector=${selector}`, undefined, undefined, 15 * 60_000),
    ]);
    for (const outcome of cleanup) {
      if (outcome.status === 'rejected') console.warn(`clean-up incomplete: ${String(outcome.reason)}`);
    }
    rest.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
