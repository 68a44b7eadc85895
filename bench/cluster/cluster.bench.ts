/**
 * Cluster benchmark: what the simulated fleet costs idle, and the baseline the orchestrator is measured against.
 *
 *   npm run bench:cluster -- [--idle-nodes 1000,5000] [--idle-seconds 60] [--nodes 5000] [--pods 5000]
 *
 * 1. Idle cost: grows the fleet to each `--idle-nodes` size (added to the stack's default fleet), waits until every
 *    node is Ready and has renewed its lease at least once, then measures for `--idle-seconds` (at least one lease
 *    renewal interval) the cores each stack component keeps busy and the API server's requests per second by
 *    verb and resource, with the fleet's liveness settings beside them (idle).
 * 2. Creates simulated single-GPU nodes up to `--nodes` and times until all are Ready (nodesReadySeconds).
 * 3. Creates single-GPU pods (GPU toleration, a node selector for the benchmark's nodes) and times kube-scheduler
 *    (default profile, client QPS stated below) from the first creation to all bound (kubeSchedulerBindsPerSecond)
 *    and to all Running, kwok's start-up stage included (kubeSchedulerPodsPerSecond).
 * 4. Reads kube-apiserver's resident memory with that fleet and those pods (apiserverRssMb).
 * Then deletes what it created. Writes bench/results/cluster.json. Needs `npm run stack:up`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  FLEET_LIVENESS,
  SCHEDULER_QPS,
  applyNodes,
  stackAdminRest,
  StackPaths,
} from '@gridex/stack/benchmark';
import { GPU_TAINT } from '@gridex/gpu-node-pool';
import { apiserverRequests, requestRates } from '../shared/apiserver-requests';
import { createBenchNamespace, singleGpuBenchNodes } from '../shared/bench-kubernetes';
import { coresBusy, cpuByComponent, machineBusyMs } from '../shared/cpu-usage';
import { sleep } from '../shared/measure';

const { values: args } = parseArgs({
  options: {
    'idle-nodes': { type: 'string', default: '1000,5000' },
    'idle-seconds': { type: 'string', default: '60' },
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '5000' },
  },
});
const IDLE_NODES = args['idle-nodes']
  .split(',')
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => a - b);
const NODES = Math.max(Number(args.nodes), ...IDLE_NODES);
const PODS = Number(args.pods);
const RENEW_SECONDS = FLEET_LIVENESS.leaseSeconds / 4;
const IDLE_SECONDS = Math.max(Number(args['idle-seconds']), RENEW_SECONDS);
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

/** The simulated status heartbeat's period, from the kwok stage that plays it: [delay, delay + jitter] in seconds. */
function statusHeartbeatSeconds(): [number, number] {
  const stages = readFileSync(
    path.resolve(__dirname, '..', '..', 'tools', 'stack', 'kubernetes', 'gridex-kwok-stages.yaml'),
    'utf8',
  );
  const heartbeat = stages.split('\n---\n').find((stage) => stage.includes('name: gridex-node-heartbeat'));
  const delay = Number(/durationMilliseconds: (\d+)/.exec(heartbeat ?? '')?.[1]);
  const jitter = Number(/jitterDurationMilliseconds: (\d+)/.exec(heartbeat ?? '')?.[1]);
  if (!delay) throw new Error('no gridex-node-heartbeat stage with a delay in gridex-kwok-stages.yaml');
  return [delay / 1000, (jitter || delay) / 1000];
}

/** Cores each component keeps busy and the API server's requests per second, over `seconds` of nothing else. */
async function measureIdle(seconds: number) {
  const named = new Map([[process.pid, 'bench']]);
  const start = {
    at: Date.now(),
    busyMs: machineBusyMs(),
    byComponent: cpuByComponent(named),
    requests: await apiserverRequests(rest),
  };
  await sleep(seconds * 1000);
  const requests = await apiserverRequests(rest);
  const windowMs = Date.now() - start.at;
  const byComponent = coresBusy(start.byComponent, cpuByComponent(named), windowMs);
  const fleetComponents = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];
  const fleetCores = fleetComponents.reduce((sum, component) => sum + (byComponent[component] ?? 0), 0);
  return {
    windowSeconds: Math.round(windowMs / 100) / 10,
    machineCoresBusy: Math.round(((machineBusyMs() - start.busyMs) / windowMs) * 100) / 100,
    // The Kubernetes side of the stack: what the simulated fleet costs (Kafka, PostgreSQL and the chain apart).
    kubernetesCoresBusy: Math.round(fleetCores * 100) / 100,
    coresByComponent: byComponent,
    apiserver: requestRates(start.requests, requests, windowMs),
  };
}

async function main(): Promise<void> {
  const namespace = `bench-cluster-${RUN}`;
  const selector = encodeURIComponent(BENCH_LABEL);
  const [labelKey, labelValue] = BENCH_LABEL.split('=');
  const rssBefore = apiserverRssMb();
  const nodes = singleGpuBenchNodes({
    supplier: 'bench',
    pool: `cluster-${RUN}`,
    count: NODES,
    label: [labelKey, labelValue],
  });
  const allReady = async (size: number) =>
    (await count(`/api/v1/nodes?labelSelector=${selector}`, (node) =>
      Boolean(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    )) === size;
  try {
    const [heartbeatMin, heartbeatMax] = statusHeartbeatSeconds();
    const idle: Record<string, unknown> = {};
    let created = 0;
    for (const size of IDLE_NODES) {
      console.log(`idle: growing the fleet to ${size} benchmark nodes ...`);
      const growStarted = performance.now();
      await applyNodes(rest, nodes.slice(created, size), 64);
      await waitUntil(`${size} nodes Ready`, () => allReady(size), 20 * 60_000);
      const grownSeconds = (performance.now() - growStarted) / 1000;
      const added = size - created;
      created = size;
      // Every node renews its lease once before the window, so the window sees the steady renewal rate.
      await sleep((RENEW_SECONDS + 5) * 1000);
      const total = await count('/api/v1/nodes');
      const measured = await measureIdle(IDLE_SECONDS);
      idle[String(size)] = {
        nodes: total,
        addedReadySeconds: Math.round(grownSeconds * 10) / 10,
        addedNodesPerSecond: Math.round(added / grownSeconds),
        ...measured,
      };
      console.log(
        `  ${total} nodes: ${measured.kubernetesCoresBusy} cores (Kubernetes side), ` +
          `${measured.apiserver.writesPerSecond} API writes/s; ${JSON.stringify(measured.coresByComponent)}`,
      );
    }

    if (created < NODES) {
      console.log(`creating ${NODES - created} more simulated single-GPU nodes ...`);
      await applyNodes(rest, nodes.slice(created), 64);
      await waitUntil(`${NODES} nodes Ready`, () => allReady(NODES), 20 * 60_000);
    }

    await createBenchNamespace(rest, namespace);

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
      liveness: {
        leaseSeconds: FLEET_LIVENESS.leaseSeconds,
        leaseRenewSeconds: RENEW_SECONDS,
        nodeMonitorPeriodSeconds: FLEET_LIVENESS.monitorPeriodSeconds,
        nodeMonitorGraceSeconds: FLEET_LIVENESS.graceSeconds,
        statusHeartbeatSeconds: [heartbeatMin, heartbeatMax],
        // A node whose kubelet stops is marked NotReady at most this long after its last renewal.
        silentNodeNotReadyWithinSeconds: FLEET_LIVENESS.graceSeconds + FLEET_LIVENESS.monitorPeriodSeconds,
      },
      // By the number of benchmark nodes (the stack's default fleet comes on top; `nodes` is the total).
      idle,
      nodes: NODES,
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
    for (const [key, value] of Object.entries(result)) {
      console.log(`| ${key} | ${typeof value === 'object' ? JSON.stringify(value) : value} |`);
    }
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
