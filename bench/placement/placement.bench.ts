/**
 * Placement benchmark: how fast the orchestrator turns allocations into running pods, against kube-scheduler
 * placing the same pods on the same fleet, and against bare pods bound by `nodeName` (the ceiling), in one run.
 *
 *   npm run bench:placement -- [--nodes 5000] [--pods 2000] [--rounds 3] [--quiet-seconds 180]
 *
 * Creates `nodes` simulated single-GPU nodes (a label of this run), starts the built orchestrator on them
 * (KUBE_QPS = kube-scheduler's client QPS, burst 2×, so both placers talk to the API server alike) and lets the
 * new fleet settle. Then three paths, in rotating order (A B C, B C A, C A B), each placing `pods` pods and
 * emptied before the next:
 * - orchestrator: `pods` single-GPU allocations (`job-matched`, one node each, their holds published first);
 *   latency = pod seen Running − allocation published; podsPerSecond = pods / (last Running − first publish);
 * - kube-scheduler: the same number of single-GPU pods with this run's node selector, created paced at the same
 *   client QPS, measured the same way from creation;
 * - direct binding: bare pods created already bound to their nodes (`spec.nodeName`) at that QPS. No placement can
 *   make pods run faster than the API server accepts and the fleet starts them: this is the ceiling.
 * Each figure is its path's median over the rounds; ratioVsDirectBind (target ≥ 0.9) and the placers' CPU per pod
 * (the orchestrator's process against kube-scheduler's, each with its own API calls; target ≤ ⅓) are the results.
 * Cleans up, writes bench/results/placement.json. Needs the stack (`npm run stack:up`) and a build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, V1Pod, V1PodSpec, Watch } from '@kubernetes/client-node';
import { createEvent, HoldPlaced, JobMatched, JobMatchedPayload, uuidv7 } from '@gridex/contracts';
import { GPU_TAINT } from '@gridex/gpu-node-pool';
import { FLEET_LIVENESS, stackAdminRest, SCHEDULER_QPS } from '@gridex/stack/benchmark';
import { cpuByComponent } from '../shared/cpu-usage';
import { singleGpuBenchNodes } from '../shared/bench-kubernetes';
import {
  dropSchema,
  holdFor,
  launchService,
  publishEvents,
  testKubeConfig,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import { TokenBucket } from '@gridex/runtime';
import { tenantNamespace, WorkloadLabels } from '@gridex/orchestrator/benchmark';
import { percentile, sleep, until } from '../shared/measure';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    'quiet-seconds': { type: 'string', default: String(FLEET_LIVENESS.leaseSeconds / 4 + 30) },
  },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const ROUNDS = Number(args.rounds);
const QUIET_SECONDS = Number(args['quiet-seconds']);
/** The client QPS of both placers and of this process's pod creation: kube-scheduler's, as the stack sets it. */
const QPS = SCHEDULER_QPS;
const RUN = uniqueSuffix();
const SUPPLIER = `bench-placement-${RUN}`;
const TENANT = `bench-placement-${RUN}`;
const kubeConfig = testKubeConfig();
const core = kubeConfig.makeApiClient(CoreV1Api);

/**
 * Watches pods and records when each is first seen Running, keyed by `keyOf(pod)`. A watch the API server ends
 * (a busy server drops slow watchers) is started again at once; its first events list every pod, so a pod that
 * started in the gap counts from when it is seen.
 */
async function watchRunning(
  watchPath: string,
  labelSelector: string | undefined,
  keyOf: (pod: V1Pod) => string | undefined,
): Promise<{ running: Map<string, number>; stop: () => void }> {
  const running = new Map<string, number>();
  let stopped = false;
  let request: AbortController | undefined;
  const start = async (): Promise<void> => {
    request = await new Watch(kubeConfig).watch(
      watchPath,
      labelSelector ? { labelSelector } : {},
      (_type: string, pod: V1Pod) => {
        const key = keyOf(pod);
        if (key && pod.status?.phase === 'Running' && !running.has(key)) running.set(key, performance.now());
      },
      (error: unknown) => {
        if (stopped) return;
        console.log(`  watch of ${watchPath} ended (${String(error ?? 'closed')}), watching again`);
        void start();
      },
    );
  };
  await start();
  return {
    running,
    stop: () => {
      stopped = true;
      request?.abort();
    },
  };
}

function summary(started: Map<string, number>, running: Map<string, number>) {
  const latencies = [...running.entries()]
    .map(([key, at]) => at - (started.get(key) as number))
    .sort((a, b) => a - b);
  const first = Math.min(...started.values());
  const last = Math.max(...running.values());
  return {
    podsPerSecond: Math.round(running.size / ((last - first) / 1000)),
    p50Ms: Math.round(percentile(latencies, 0.5)),
    p99Ms: Math.round(percentile(latencies, 0.99)),
  };
}

type Path = 'orchestrator' | 'kube-scheduler' | 'direct';
const PATHS: readonly Path[] = ['orchestrator', 'kube-scheduler', 'direct'];

/** CPU ms the orchestrator (by pid) and kube-scheduler have used so far. */
function placementCpuMs(orchestratorPid: number | undefined): {
  orchestrator: number;
  kubeScheduler: number;
} {
  const totals = cpuByComponent(new Map(orchestratorPid ? [[orchestratorPid, 'orchestrator']] : []));
  return { orchestrator: totals.get('orchestrator') ?? 0, kubeScheduler: totals.get('kube-scheduler') ?? 0 };
}

async function main(): Promise<void> {
  const labelKey = 'gridex.io/bench';
  const labelValue = `placement-${RUN}`;
  const nodes = singleGpuBenchNodes({
    supplier: SUPPLIER,
    pool: 'bench',
    count: NODES,
    label: [labelKey, labelValue],
  });
  const namespaces: string[] = [];

  /** Waits until a namespace's pods are gone, so the next path gets the whole fleet. */
  async function emptied(namespace: string): Promise<void> {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await until(
      `pods in ${namespace} deleted`,
      async () => (await core.listNamespacedPod({ namespace })).items.length === 0,
      10 * 60_000,
    );
  }

  /**
   * Creates PODS single-GPU pods in a new namespace, paced at the client QPS, and measures creation → Running.
   * `placement(i)` says where pod i goes: a node selector for kube-scheduler, or the node itself.
   */
  async function pacedPods(namespace: string, placement: (i: number) => Partial<V1PodSpec>) {
    namespaces.push(namespace);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await until(
      'default service account',
      async () =>
        (await core.listNamespacedServiceAccount({ namespace })).items.some(
          (sa) => sa.metadata?.name === 'default',
        ),
      60_000,
    );
    const created = new Map<string, number>();
    const watch = await watchRunning(
      `/api/v1/namespaces/${namespace}/pods`,
      undefined,
      (pod) => pod.metadata?.name,
    );
    const bucket = new TokenBucket(QPS, QPS * 2, Date.now());
    let index = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (index < PODS) {
          const i = index++;
          const name = `gpu-${i}`;
          const wait = bucket.take(Date.now());
          if (wait > 0) await sleep(wait);
          created.set(name, performance.now());
          await core.createNamespacedPod({
            namespace,
            body: {
              metadata: { name },
              spec: {
                ...placement(i),
                automountServiceAccountToken: false,
                tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
                containers: [{ name: 'c', image: 'bench', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
              },
            },
          });
        }
      }),
    );
    await until(`pods in ${namespace} Running`, () => watch.running.size === PODS, 20 * 60_000);
    watch.stop();
    return summary(created, watch.running);
  }

  /** PODS single-GPU allocations published as `job-matched` (their holds first) for the orchestrator to run. */
  async function viaOrchestrator(round: number) {
    const tenant = `${TENANT}-${round}`;
    const namespace = tenantNamespace(tenant);
    namespaces.push(namespace);
    const published = new Map<string, number>();
    // All namespaces: the orchestrator creates the tenant's namespace on first use.
    const watch = await watchRunning(
      '/api/v1/pods',
      `${WorkloadLabels.tenantId}=${tenant}`,
      (pod) => pod.metadata?.labels?.[WorkloadLabels.reservationId],
    );
    const producer = testPublisher();
    const allocations: JobMatchedPayload[] = Array.from({ length: PODS }, (_, i) => ({
      jobId: `bench-${RUN}-${round}-${i}`,
      tenantId: tenant,
      reservationId: uuidv7(),
      attempt: 0,
      tier: 'on-demand',
      expectedDurationSeconds: 600,
      allocations: [
        {
          nodeId: uuidv7(),
          clusterId: 'local',
          nodeName: nodes[i % NODES].metadata.name,
          supplierId: SUPPLIER,
          region: 'bench',
          gpuProduct: 'RTX-4090-24GB',
          gpus: 1,
          pricePerGpuHour: { currency: 'USD', micros: '400000' },
          supplierPricePerGpuHour: { currency: 'USD', micros: '350000' },
        },
      ],
      matchedAt: new Date().toISOString(),
      image: 'registry.gridex.io/bench/idle:1',
      command: [],
    }));
    // Billing's part, played here: every allocation's cost is held before it arrives, so the orchestrator
    // launches each as soon as it reads it (as it does for a tenant with credit).
    for (let i = 0; i < allocations.length; i += 500) {
      await publishEvents(producer, HoldPlaced, allocations.slice(i, i + 500).map(holdFor));
    }
    for (let i = 0; i < allocations.length; i += 100) {
      const chunk = allocations.slice(i, i + 100);
      const at = performance.now();
      for (const allocation of chunk) published.set(allocation.reservationId, at);
      await producer.send(
        JobMatched.topic,
        chunk.map((payload) => ({
          key: JobMatched.partitionKey(payload),
          value: JSON.stringify(
            createEvent(JobMatched, payload, { correlationId: uuidv7(), causationId: null }),
          ),
        })),
      );
    }
    await producer.close();
    await until('orchestrator pods Running', () => watch.running.size === PODS, 20 * 60_000);
    watch.stop();
    return { namespace, ...summary(published, watch.running) };
  }

  let orchestratorSchema: string | undefined;
  let stopOrchestrator: (() => Promise<void>) | undefined;
  try {
    console.log(`creating ${NODES} simulated single-GPU nodes ...`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < nodes.length) await core.createNode({ body: nodes[next++] });
      }),
    );
    await until(
      'nodes Ready',
      async () =>
        (await core.listNode({ labelSelector: `${labelKey}=${labelValue}` })).items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length === NODES,
      20 * 60_000,
    );

    const orchestrator = await launchService('orchestrator', {
      GPU_NODE_SELECTOR: `${labelKey}=${labelValue}`,
      KUBE_QPS: String(QPS),
      KUBE_BURST: String(QPS * 2),
      // The tenant's GPU quota must not be what limits the run.
      TENANT_GPU_QUOTA: String(PODS * 2),
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '20',
      CONSUMER_PARTITIONS_CONCURRENTLY: '12',
    });
    orchestratorSchema = orchestrator.schema;
    stopOrchestrator = () => orchestrator.process.kill();
    // Its start lists and reports the whole new fleet.
    await untilReady(orchestrator, { timeoutMs: 5 * 60_000 });
    // The paths are measured on a quiet fleet: the orchestrator has reported the new nodes and every node has
    // renewed its lease once since it was created (the creations' own writes are over).
    console.log(`letting the new fleet settle for ${QUIET_SECONDS} s ...`);
    await sleep(QUIET_SECONDS * 1000);

    const rounds: Array<Record<Path, ReturnType<typeof summary> & { cpuMsPerPod: number | null }>> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = PATHS.map((_, i) => PATHS[(i + round) % PATHS.length]);
      console.log(`round ${round + 1}: ${order.join(' → ')}`);
      const measured = {} as Record<Path, ReturnType<typeof summary> & { cpuMsPerPod: number | null }>;
      for (const path of order) {
        const cpuBefore = placementCpuMs(orchestrator.process.pid);
        let figures: ReturnType<typeof summary>;
        let namespace: string;
        if (path === 'orchestrator') {
          ({ namespace, ...figures } = await viaOrchestrator(round));
        } else if (path === 'kube-scheduler') {
          namespace = `bench-placement-${RUN}-${round}`;
          figures = await pacedPods(namespace, () => ({ nodeSelector: { [labelKey]: labelValue } }));
        } else {
          namespace = `bench-direct-${RUN}-${round}`;
          figures = await pacedPods(namespace, (i) => ({ nodeName: nodes[i % NODES].metadata.name }));
        }
        const cpuAfter = placementCpuMs(orchestrator.process.pid);
        // The placer's own CPU per pod, its API calls included: the orchestrator's for its path,
        // kube-scheduler's for its; direct binding has no placer.
        const placerMs =
          path === 'orchestrator'
            ? cpuAfter.orchestrator - cpuBefore.orchestrator
            : path === 'kube-scheduler'
              ? cpuAfter.kubeScheduler - cpuBefore.kubeScheduler
              : null;
        measured[path] = {
          ...figures,
          cpuMsPerPod: placerMs === null ? null : Math.round((placerMs / PODS) * 100) / 100,
        };
        console.log(`  ${path}: ${JSON.stringify(measured[path])}`);
        await emptied(namespace);
      }
      rounds.push(measured);
    }

    const median = (path: Path, figure: 'podsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuMsPerPod') =>
      percentile(
        rounds.map((round) => round[path][figure] ?? 0).sort((a, b) => a - b),
        0.5,
      );
    const podsPerSecond = median('orchestrator', 'podsPerSecond');
    const kubeSchedulerPodsPerSecond = median('kube-scheduler', 'podsPerSecond');
    const directBindPodsPerSecond = median('direct', 'podsPerSecond');
    const result = {
      nodes: NODES,
      pods: PODS,
      rounds: ROUNDS,
      // Both placers talk to the API server at the same client rate.
      orchestratorClientQps: QPS,
      kubeSchedulerClientQps: SCHEDULER_QPS,
      podsPerSecond,
      p50Ms: median('orchestrator', 'p50Ms'),
      p99Ms: median('orchestrator', 'p99Ms'),
      kubeSchedulerPodsPerSecond,
      kubeSchedulerP50Ms: median('kube-scheduler', 'p50Ms'),
      kubeSchedulerP99Ms: median('kube-scheduler', 'p99Ms'),
      directBindPodsPerSecond,
      directBindP50Ms: median('direct', 'p50Ms'),
      ratioVsKubeScheduler: Number((podsPerSecond / kubeSchedulerPodsPerSecond).toFixed(2)),
      directBindRatioVsKubeScheduler: Number(
        (directBindPodsPerSecond / kubeSchedulerPodsPerSecond).toFixed(2),
      ),
      ratioVsDirectBind: Number((podsPerSecond / directBindPodsPerSecond).toFixed(2)),
      orchestratorCpuMsPerPod: median('orchestrator', 'cpuMsPerPod'),
      kubeSchedulerCpuMsPerPod: median('kube-scheduler', 'cpuMsPerPod'),
      cpuPerPodRatioVsKubeScheduler: Number(
        (median('orchestrator', 'cpuMsPerPod') / median('kube-scheduler', 'cpuMsPerPod')).toFixed(2),
      ),
      byRound: rounds,
      target: 'ratioVsDirectBind >= 0.9; cpuPerPodRatioVsKubeScheduler <= 0.33',
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'placement.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    console.log('cleaning up ...');
    await stopOrchestrator?.();
    for (const namespace of namespaces)
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    // Deleting thousands of nodes takes minutes; server-side, with a long timeout (as the cluster benchmark).
    const rest = stackAdminRest(64);
    await rest
      .call(
        'DELETE',
        `/api/v1/nodes?labelSelector=${encodeURIComponent(`${labelKey}=${labelValue}`)}`,
        undefined,
        undefined,
        15 * 60_000,
      )
      .catch((error: unknown) => console.warn(`node clean-up incomplete: ${String(error)}`));
    rest.close();
    if (orchestratorSchema) await dropSchema(orchestratorSchema);
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
