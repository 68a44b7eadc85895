/**
 * Placement benchmark: how fast the orchestrator turns allocations into running pods, against kube-scheduler
 * placing the same pods on the same fleet in the same run.
 *
 *   npm run bench:placement -- [--nodes 5000] [--pods 2000] [--qps 200]
 *
 * 1. Creates `nodes` simulated single-GPU nodes (a label of this run) and waits until they are Ready.
 * 2. Orchestrator: starts the built orchestrator (node selector = this run's label, KUBE_QPS = qps, burst 2 × qps),
 *    publishes `pods` single-GPU allocations (`job-matched`, one node each), and watches the pods:
 *    latency = pod seen Running − allocation published; podsPerSecond = pods / (last Running − first publish).
 * 3. kube-scheduler: deletes those, then creates the same number of single-GPU pods for kube-scheduler (node
 *    selector = this run's label) paced at the same client QPS, and measures the same way from creation.
 * 4. Direct binding, the floor of any placement: the same number of bare pods, created already bound to their
 *    nodes (`spec.nodeName`) by this process at the same client QPS, in a namespace without quota or limits. No
 *    placement can make pods run faster than the API server accepts and the fleet starts them, so
 *    directBindRatioVsKubeScheduler is the most ratioVsKubeScheduler can be on this machine.
 * ratioVsKubeScheduler = podsPerSecond / kubeSchedulerPodsPerSecond (target ≥ 3). Cleans up, writes
 * bench/results/placement.json. Needs the stack (`npm run stack:up`) and a build (`npm run build`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, V1Pod, V1PodSpec, Watch } from '@kubernetes/client-node';
import { Partitioners } from 'kafkajs';
import { createEvent, HoldPlaced, JobMatched, JobMatchedPayload, uuidv7 } from '@gridex/contracts';
import { GPU_TAINT } from '@gridex/gpu-node-pool';
import { stackAdminRest, SCHEDULER_QPS } from '@gridex/stack/benchmark';
import { singleGpuBenchNodes } from '../shared/bench-kubernetes';
import {
  dropSchema,
  holdFor,
  launchService,
  publishEvents,
  testKafka,
  testKubeConfig,
  uniqueSuffix,
  untilReady,
} from '@gridex/testing';
import { TokenBucket } from '@gridex/runtime';
import { tenantNamespace, WorkloadLabels } from '@gridex/orchestrator/benchmark';
import { percentile, sleep, until } from '../shared/measure';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '2000' },
    qps: { type: 'string', default: '200' },
  },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const QPS = Number(args.qps);
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

async function main(): Promise<void> {
  const labelKey = 'gridex.io/bench';
  const labelValue = `placement-${RUN}`;
  const nodes = singleGpuBenchNodes({
    supplier: SUPPLIER,
    pool: 'bench',
    count: NODES,
    label: [labelKey, labelValue],
  });
  const schedulerNamespace = `bench-placement-${RUN}`;
  const directNamespace = `bench-direct-${RUN}`;

  /**
   * Creates PODS single-GPU pods in a new namespace, paced at the client QPS, and measures creation → Running.
   * `placement(i)` says where pod i goes: a node selector for kube-scheduler, or the node itself.
   */
  async function pacedPods(namespace: string, placement: (i: number) => Partial<V1PodSpec>) {
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

    console.log(`orchestrator: ${PODS} allocations, client QPS ${QPS} ...`);
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
    // Let its node sync report the new fleet first: that is start-up work, not placement.
    await sleep(Math.min(60_000, NODES * 4));

    const namespace = tenantNamespace(TENANT);
    const published = new Map<string, number>();
    // All namespaces: the orchestrator creates the tenant's namespace on first use.
    const watch = await watchRunning(
      '/api/v1/pods',
      `${WorkloadLabels.tenantId}=${TENANT}`,
      (pod) => pod.metadata?.labels?.[WorkloadLabels.reservationId],
    );
    const kafka = testKafka();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const allocations: JobMatchedPayload[] = Array.from({ length: PODS }, (_, i) => ({
      jobId: `bench-${RUN}-${i}`,
      tenantId: TENANT,
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
      await producer.send({
        topic: JobMatched.topic,
        messages: chunk.map((payload) => ({
          key: JobMatched.partitionKey(payload),
          value: JSON.stringify(
            createEvent(JobMatched, payload, { correlationId: uuidv7(), causationId: null }),
          ),
        })),
      });
    }
    await producer.disconnect();
    await until('orchestrator pods Running', () => watch.running.size === PODS, 20 * 60_000);
    watch.stop();
    const viaOrchestrator = summary(published, watch.running);
    await stopOrchestrator();
    stopOrchestrator = undefined;
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    console.log(
      `  ${viaOrchestrator.podsPerSecond} pods/s, p50 ${viaOrchestrator.p50Ms} ms, p99 ${viaOrchestrator.p99Ms} ms`,
    );
    // The orchestrator's pods must be gone before kube-scheduler gets the same fleet.
    await until(
      'orchestrator pods deleted',
      async () => (await core.listNamespacedPod({ namespace })).items.length === 0,
      10 * 60_000,
    );

    console.log(`kube-scheduler: ${PODS} pods at client QPS ${QPS} ...`);
    const viaScheduler = await pacedPods(schedulerNamespace, () => ({
      nodeSelector: { [labelKey]: labelValue },
    }));
    console.log(
      `  ${viaScheduler.podsPerSecond} pods/s, p50 ${viaScheduler.p50Ms} ms, p99 ${viaScheduler.p99Ms} ms`,
    );
    await core.deleteNamespace({ name: schedulerNamespace });
    await until(
      'kube-scheduler pods deleted',
      async () => (await core.listNamespacedPod({ namespace: schedulerNamespace })).items.length === 0,
      10 * 60_000,
    );

    console.log(`direct binding: ${PODS} bare pods on their nodes at client QPS ${QPS} ...`);
    const direct = await pacedPods(directNamespace, (i) => ({ nodeName: nodes[i % NODES].metadata.name }));
    console.log(`  ${direct.podsPerSecond} pods/s, p50 ${direct.p50Ms} ms, p99 ${direct.p99Ms} ms`);

    const result = {
      nodes: NODES,
      pods: PODS,
      clientQps: QPS,
      podsPerSecond: viaOrchestrator.podsPerSecond,
      p50Ms: viaOrchestrator.p50Ms,
      p99Ms: viaOrchestrator.p99Ms,
      kubeSchedulerPodsPerSecond: viaScheduler.podsPerSecond,
      kubeSchedulerP50Ms: viaScheduler.p50Ms,
      kubeSchedulerP99Ms: viaScheduler.p99Ms,
      kubeSchedulerOwnClientQps: SCHEDULER_QPS,
      ratioVsKubeScheduler: Number((viaOrchestrator.podsPerSecond / viaScheduler.podsPerSecond).toFixed(2)),
      directBindPodsPerSecond: direct.podsPerSecond,
      directBindP50Ms: direct.p50Ms,
      directBindRatioVsKubeScheduler: Number((direct.podsPerSecond / viaScheduler.podsPerSecond).toFixed(2)),
      target: 'ratioVsKubeScheduler >= 3',
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'placement.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    console.log('cleaning up ...');
    await stopOrchestrator?.();
    await core.deleteNamespace({ name: schedulerNamespace }).catch(() => undefined);
    await core.deleteNamespace({ name: directNamespace }).catch(() => undefined);
    await core.deleteNamespace({ name: tenantNamespace(TENANT) }).catch(() => undefined);
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
