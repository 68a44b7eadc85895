import { BatchV1Api, CoreV1Api, NetworkingV1Api, V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  createEvent,
  EventContract,
  EventEnvelope,
  JobCancelled,
  JobMatched,
  JobMatchedPayload,
  HoldPlaced,
  HoldRejected,
  JobPreempted,
  Topics,
  uuidv7,
  SupplierFaultObservedPayload,
  WorkloadFinishedPayload,
  WorkloadScheduledPayload,
  WorkloadStartedPayload,
} from '@gridex/contracts';
import { buildGpuPool, SIMULATED_NODE_ANNOTATION } from '@gridex/gpu-node-pool';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  dropSchema,
  eventually,
  holdFor,
  queryStack,
  launchService,
  publishEvents,
  LaunchedService,
  testKafka,
  testKubeConfig,
  TopicRecorder,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import { jobPod, workloadObjects } from './workloads/workload-manifests';
import { tenantNamespace, WorkloadLabels, workloadIdOf } from './workloads/workload-names';

/**
 * The orchestrator against the real Kubernetes control plane (kwok runs the pods) and the real Kafka and
 * PostgreSQL. The test plays matching and the gateway: it publishes allocations and commands, and checks the
 * cluster and the lifecycle events. Its GPU nodes are its own (a supplier label only this test uses).
 */
const suffix = uniqueSuffix();
const supplier = `orch-${suffix}`;
const cluster = `it-${suffix}`;
const tenant = `tenant-${suffix}`;
const namespace = tenantNamespace(tenant);
const secondTenant = `tenant-b-${suffix}`;
const secondNamespace = tenantNamespace(secondTenant);
const usd = (micros: string) => ({ currency: 'USD', micros });
const nodes = buildGpuPool({
  supplier,
  pool: 'h100',
  region: 'eu-north',
  gpuProduct: 'H100-80GB',
  gpusPerNode: 8,
  count: 9,
  interconnect: 'infiniband',
});
const nodeName = (i: number) => nodes[i].metadata.name;
const RUNS_FOREVER = {}; // no completion annotation: kwok keeps the pod running
const runsFor = (seconds: number) => ({ 'pod-complete.stage.kwok.x-k8s.io/delay': `${seconds}s` });

function allocation(
  jobId: string,
  nodeIndexes: number[],
  patch: Partial<JobMatchedPayload> = {},
): JobMatchedPayload {
  return {
    jobId,
    tenantId: tenant,
    reservationId: uuidv7(),
    attempt: 0,
    tier: 'on-demand',
    expectedDurationSeconds: 600,
    allocations: nodeIndexes.map((i) => ({
      nodeId: uuidv7(),
      clusterId: cluster,
      nodeName: nodeName(i),
      supplierId: supplier,
      region: 'local',
      gpuProduct: 'H100-SXM5-80GB',
      gpus: 8,
      pricePerGpuHour: usd('2300000'),
      supplierPricePerGpuHour: usd('2000000'),
    })),
    matchedAt: new Date().toISOString(),
    image: 'registry.gridex.io/test/train:1',
    command: ['python', 'train.py'],
    annotations: RUNS_FOREVER,
    ...patch,
  };
}

type Recorded<T> = EventEnvelope<T>;

describe('orchestrator: allocations run on exactly their nodes, and every lifecycle change is reported', () => {
  const kafka = testKafka();
  const kubeConfig = testKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  let producer: MessagePublisher;
  let orchestrator: LaunchedService;
  let scheduled: TopicRecorder;
  let started: TopicRecorder;
  let finished: TopicRecorder;
  let faults: TopicRecorder;
  const group = `it-orchestrator-${suffix}`;
  const overrides = {
    GPU_NODE_SELECTOR: `gridex.io/supplier=${supplier}`,
    // A cluster id of its own: other suites' orchestrators share the API server and the topics, and each
    // orchestrator acts only on its own cluster's allocations and pods.
    CLUSTER_ID: cluster,
    KAFKA_CONSUMER_GROUP: group,
    STOP_GRACE_SECONDS: '0',
    NODE_LOST_AFTER_NOT_READY_SECONDS: '3',
    LOG_POLL_SECONDS: '1',
    LOG_LEVEL: 'warn',
  };

  const publish = <T>(contract: EventContract<T>, payload: T) => publishEvents(producer, contract, [payload]);
  /** An allocation whose cost billing already held (billing's part, played here). */
  const publishPaid = async (job: JobMatchedPayload) => {
    await publish(HoldPlaced, holdFor(job));
    await publish(JobMatched, job);
  };
  /** Publishes one event and waits until the orchestrator has handled it. */
  const publishHandled = async <T>(contract: EventContract<T>, payload: T) => {
    const event = createEvent(contract, payload, {
      correlationId: uuidv7(),
      causationId: null,
      tenantId: tenant,
    });
    await producer.send(contract.topic, [
      { key: contract.partitionKey(payload), value: JSON.stringify(event) },
    ]);
    await eventually(async () => {
      const rows = await queryStack(`SELECT 1 FROM "${orchestrator.schema}".inbox WHERE event_id = $1`, [
        event.eventId,
      ]);
      expect(rows).toHaveLength(1);
    });
  };
  /** Reads a node, changes it and writes it back (or its status), again if another writer came first. */
  const changeNode = async (
    name: string,
    change: (node: V1Node) => void,
    part: 'object' | 'status' = 'object',
  ) =>
    eventually(async () => {
      const node = await core.readNode({ name });
      change(node);
      if (part === 'status') await core.replaceNodeStatus({ name, body: node });
      else await core.replaceNode({ name, body: node });
    }, 20_000);
  const finishOf = (reservationId: string) =>
    finished.waitFor<Recorded<WorkloadFinishedPayload>>((e) => e.payload.reservationId === reservationId);
  const startOf = (reservationId: string) =>
    started.waitFor<Recorded<WorkloadStartedPayload>>((e) => e.payload.reservationId === reservationId);
  const podsOf = async (reservationId: string): Promise<V1Pod[]> =>
    (
      await core.listNamespacedPod({
        namespace,
        labelSelector: `${WorkloadLabels.reservationId}=${reservationId}`,
      })
    ).items.filter((pod) => pod.metadata?.deletionTimestamp === undefined);

  beforeAll(async () => {
    for (const node of nodes) await core.createNode({ body: node });
    producer = testPublisher(kafka);
    [scheduled, started, finished, faults] = await Promise.all(
      [
        Topics.workloadScheduled,
        Topics.workloadStarted,
        Topics.workloadFinished,
        Topics.supplierFaultObserved,
      ].map((topic) => TopicRecorder.start(kafka, topic)),
    );
    orchestrator = await launchService('orchestrator', overrides);
    await untilReady(orchestrator);
  });

  afterAll(async () => {
    await orchestrator?.process.kill();
    await Promise.all([scheduled, started, finished, faults].map((r) => r?.stop()));
    await producer?.close();
    for (const node of nodes) await core.deleteNode({ name: node.metadata.name }).catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await core.deleteNamespace({ name: secondNamespace }).catch(() => undefined);
    if (orchestrator) await dropSchema(orchestrator.schema);
  });

  it('runs a single-node job as a Job bound to its node, in a restricted tenant namespace, and reports it', async () => {
    const job = allocation(`job-${uuidv7()}`, [0], { annotations: runsFor(2) });
    job.allocations[0].gpus = 4;
    await publishPaid(job);
    const end = await finishOf(job.reservationId);
    const { outcome, reason, detail } = end.payload;
    expect({ outcome, reason, detail, jobId: end.payload.jobId }).toEqual({
      outcome: 'succeeded',
      reason: undefined,
      detail: undefined,
      jobId: job.jobId,
    });
    const start = await startOf(job.reservationId);
    const sched = await scheduled.waitFor<Recorded<WorkloadScheduledPayload>>(
      (e) => e.payload.reservationId === job.reservationId,
    );
    // The orchestrator made the Job's pod itself (the Job controller would have named it `<job>-<random>`).
    expect(sched.payload.pods).toEqual([{ name: `w-${job.reservationId}-0`, nodeName: nodeName(0) }]);
    const runSeconds = (Date.parse(end.payload.finishedAt) - Date.parse(start.payload.startedAt)) / 1000;
    expect(runSeconds).toBeGreaterThanOrEqual(1);
    expect(end.payload.startedAt).toBe(start.payload.startedAt);

    const ns = await core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const quota = await core.readNamespacedResourceQuota({ name: 'gridex-gpus', namespace });
    expect(quota.spec?.hard).toEqual({ 'requests.nvidia.com/gpu': '512' });
    await core.readNamespacedLimitRange({ name: 'gridex-defaults', namespace });
    const deny = await networking.readNamespacedNetworkPolicy({ name: 'gridex-default-deny', namespace });
    expect(deny.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    // Reported, then cleaned up.
    await eventually(async () => {
      const jobs = await batch.listNamespacedJob({
        namespace,
        labelSelector: `${WorkloadLabels.reservationId}=${job.reservationId}`,
      });
      expect(jobs.items).toHaveLength(0);
    });
  });

  it("keeps a job's container logs, read through the API server while it runs and once more before its pod goes", async () => {
    const job = allocation(`job-${uuidv7()}`, [1], { annotations: runsFor(4) });
    await publishPaid(job);
    type Logs = { items: Array<{ seq: string; at: string; node: string; line: string }>; running: boolean };
    const logs = async (query = '') =>
      (await (
        await fetch(`${orchestrator.url}/v1/jobs/${job.jobId}/logs?tenantId=${job.tenantId}${query}`)
      ).json()) as Logs;
    // While it runs: what its container printed so far (the simulated fleet prints a line a second).
    const running = await eventually(async () => {
      const page = await logs();
      expect(page.running).toBe(true);
      expect(page.items.length).toBeGreaterThan(0);
      return page;
    });
    expect(running.items[0]).toMatchObject({
      node: nodeName(1),
      line: expect.stringMatching(/^epoch \d+ step \d+ loss/),
    });
    await finishOf(job.reservationId);
    // After it ended and its pod was deleted, the lines are still there: more of them, each once, in order.
    await eventually(async () => expect(await podsOf(job.reservationId)).toHaveLength(0));
    const done = await logs();
    expect(done.running).toBe(false);
    expect(done.items.length).toBeGreaterThanOrEqual(running.items.length);
    const stamps = done.items.map((item) => item.at);
    expect(new Set(stamps).size).toBe(stamps.length);
    expect([...stamps].sort()).toEqual(stamps);
    expect((await logs('&tail=2')).items).toEqual(done.items.slice(-2));
    expect((await logs(`&after=${done.items[0].seq}`)).items).toEqual(done.items.slice(1));
    expect((await logs('&node=elsewhere')).items).toEqual([]);
    // Another tenant's id finds nothing.
    const foreign = await fetch(`${orchestrator.url}/v1/jobs/${job.jobId}/logs?tenantId=someone-else`);
    expect(((await foreign.json()) as Logs).items).toEqual([]);
    // Past the retention (lines kept 168 h by default), the next pass deletes them.
    await queryStack(
      `UPDATE "${orchestrator.schema}".workload_log_lines SET stored_at = now() - interval '169 hours' WHERE job_id = $1`,
      [job.jobId],
    );
    await eventually(async () => expect((await logs()).items).toEqual([]));
  });

  it('reports a job whose pod was already running when its allocation committed', async () => {
    // The orchestrator creates a workload's pod before the transaction that records the workload commits; a
    // pod that kwok starts in between is seen running while the row is not there yet, and changes no more.
    // Made here ahead of the allocation, exactly as the orchestrator would make them, the Job and its pod are
    // in that state for certain: the orchestrator finds them (409) and must still report the workload. (The
    // tenant's namespace is the first test's.)
    const early = allocation(`job-${uuidv7()}`, [6]);
    const objects = workloadObjects(early, workloadIdOf(early));
    const job = await batch.createNamespacedJob({ namespace, body: objects.job as V1Job });
    await core.createNamespacedPod({ namespace, body: jobPod(job) });
    await eventually(async () => {
      const [pod] = await podsOf(early.reservationId);
      expect(pod?.status?.phase).toBe('Running');
    });
    await publishPaid(early);
    const sched = await scheduled.waitFor<Recorded<WorkloadScheduledPayload>>(
      (e) => e.payload.reservationId === early.reservationId,
    );
    expect(sched.payload.pods).toEqual([{ name: `w-${early.reservationId}-0`, nodeName: nodeName(6) }]);
    const start = await startOf(early.reservationId);
    expect(start.payload.jobId).toBe(early.jobId);
  });

  it("makes a tenant's namespace again when it was deleted, instead of failing its starts for good", async () => {
    const first = allocation(`job-${uuidv7()}`, [7], { tenantId: secondTenant });
    await publishPaid(first);
    await startOf(first.reservationId);
    // Deleted behind the orchestrator's back (it remembers the namespace as made).
    await core.deleteNamespace({ name: secondNamespace });
    await eventually(
      () => expect(core.readNamespace({ name: secondNamespace })).rejects.toMatchObject({ code: 404 }),
      60_000,
      500,
    );
    const second = allocation(`job-${uuidv7()}`, [7], { tenantId: secondTenant });
    await publishPaid(second);
    const start = await startOf(second.reservationId);
    expect(start.payload.jobId).toBe(second.jobId);
    const ns = await core.readNamespace({ name: secondNamespace });
    expect(ns.metadata?.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it('runs a 2 × 8-GPU gang on exactly its two nodes with ranks, a headless Service, and reports it once', async () => {
    const gang = allocation(`job-${uuidv7()}`, [1, 2], { annotations: runsFor(5) });
    await publishPaid(gang);
    await publishPaid(gang); // a redelivery must not start a second gang
    await eventually(() => core.readNamespacedService({ name: `w-${gang.reservationId}`, namespace }));
    const pods = await eventually(async () => {
      const found = await podsOf(gang.reservationId);
      expect(found).toHaveLength(2);
      return found;
    });
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual([nodeName(1), nodeName(2)].sort());
    const rankOf = (pod: V1Pod) => pod.spec?.containers[0].env?.find((e) => e.name === 'RANK')?.value;
    expect(pods.map(rankOf).sort()).toEqual(['0', '1']);
    // Its GPUs as allocated; CPU and memory from the tenant's LimitRange defaults.
    expect(pods[0].spec?.containers[0].resources?.limits).toEqual({
      'nvidia.com/gpu': '8',
      cpu: '4',
      memory: '16Gi',
    });
    const end = await finishOf(gang.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'succeeded' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      finished
        .values<Recorded<WorkloadFinishedPayload>>()
        .filter((e) => e.payload.reservationId === gang.reservationId),
    ).toHaveLength(1);
  });

  it('refuses an image from a registry that is not allowed, with the reason, creating nothing', async () => {
    const miner = allocation(`job-${uuidv7()}`, [3], { image: 'evil.example.com/miner:latest' });
    await publishPaid(miner);
    const end = await finishOf(miner.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'failed', reason: 'rejected' });
    expect(end.payload.detail).toMatch(/evil\.example\.com is not allowed/);
    expect(end.payload.startedAt).toBeUndefined();
    expect(await podsOf(miner.reservationId)).toHaveLength(0);
  });

  it('refuses an allocation whose hold billing rejected before it arrived, creating nothing', async () => {
    const unpaid = allocation(`job-${uuidv7()}`, [3]);
    const rejection = createEvent(
      HoldRejected,
      {
        tenantId: tenant,
        jobId: unpaid.jobId,
        reservationId: unpaid.reservationId,
        required: usd('18400000'),
        fundsMicros: '0',
        rejectedAt: new Date().toISOString(),
      },
      { correlationId: uuidv7(), causationId: null, tenantId: tenant },
    );
    await producer.send(HoldRejected.topic, [
      { key: HoldRejected.partitionKey(rejection.payload), value: JSON.stringify(rejection) },
    ]);
    await eventually(async () => {
      const rows = await queryStack(`SELECT 1 FROM "${orchestrator.schema}".inbox WHERE event_id = $1`, [
        rejection.eventId,
      ]);
      expect(rows).toHaveLength(1); // the rejection is handled before its allocation arrives
    });
    await publish(JobMatched, unpaid);
    const end = await finishOf(unpaid.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'failed', reason: 'credit-exhausted' });
    expect(end.payload.startedAt).toBeUndefined();
    expect(await podsOf(unpaid.reservationId)).toHaveLength(0);
  });

  it("waits for billing's hold: an allocation alone creates nothing, and its hold launches it", async () => {
    const job = allocation(`job-${uuidv7()}`, [3], { annotations: runsFor(1) });
    await publishHandled(JobMatched, job);
    const [row] = await queryStack<{ state: string }>(
      `SELECT state FROM "${orchestrator.schema}".workloads WHERE reservation_id = $1`,
      [job.reservationId],
    );
    expect(row.state).toBe('awaiting-hold');
    expect(await podsOf(job.reservationId)).toHaveLength(0);
    await publish(HoldPlaced, holdFor(job));
    const end = await finishOf(job.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'succeeded' });
    expect(end.payload.startedAt).toBeDefined();
  });

  it('ends a waiting allocation whose hold billing refused, without ever creating a pod', async () => {
    const unpaid = allocation(`job-${uuidv7()}`, [3]);
    await publishHandled(JobMatched, unpaid);
    await publish(HoldRejected, {
      tenantId: tenant,
      jobId: unpaid.jobId,
      reservationId: unpaid.reservationId,
      required: usd('18400000'),
      fundsMicros: '0',
      rejectedAt: new Date().toISOString(),
    });
    const end = await finishOf(unpaid.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'failed', reason: 'credit-exhausted' });
    expect(end.payload.startedAt).toBeUndefined();
    // No pod was ever bound for it: the orchestrator reports every bound workload as scheduled.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      scheduled
        .values<Recorded<WorkloadScheduledPayload>>()
        .filter((e) => e.payload.reservationId === unpaid.reservationId),
    ).toHaveLength(0);
    expect(await podsOf(unpaid.reservationId)).toHaveLength(0);
  });

  it.each([
    ['cancel', 'cancelled'],
    ['preempt', 'preempted'],
  ] as const)('%s stops the running pods and reports it', async (command, reason) => {
    const long = allocation(`job-${uuidv7()}`, [3]);
    await publishPaid(long);
    await startOf(long.reservationId);
    if (command === 'cancel') {
      await publish(JobCancelled, { jobId: long.jobId, requestedAt: new Date().toISOString() });
    } else {
      await publish(JobPreempted, {
        jobId: long.jobId,
        tenantId: tenant,
        reservationId: long.reservationId,
        preemptedByJobId: 'job-urgent',
        preemptedAt: new Date().toISOString(),
        requeued: true,
      });
    }
    const end = await finishOf(long.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'failed', reason });
    expect(end.payload.startedAt).toBeDefined();
    await eventually(async () => expect(await podsOf(long.reservationId)).toHaveLength(0));
  });

  it('reports node-lost, naming the node, when a node leaves mid-run', async () => {
    const doomed = allocation(`job-${uuidv7()}`, [4]);
    await publishPaid(doomed);
    await startOf(doomed.reservationId);
    await core.deleteNode({ name: nodeName(4) });
    const end = await finishOf(doomed.reservationId);
    expect(end.payload).toMatchObject({
      outcome: 'failed',
      reason: 'node-lost',
      failedNodes: [{ clusterId: cluster, nodeName: nodeName(4) }],
    });
    // The node's supplier is charged the fault, which inventory's reliability and rewards' slashing read.
    const fault = await faults.waitFor<Recorded<SupplierFaultObservedPayload>>(
      (e) => e.payload.jobId === doomed.jobId,
    );
    expect(fault.payload).toMatchObject({ clusterId: cluster, nodeName: nodeName(4), kind: 'node-lost' });
  });

  it('loses a node that stays NotReady past the grace period: its work fails over and its supplier is charged', async () => {
    const stuck = allocation(`job-${uuidv7()}`, [8]);
    await publishPaid(stuck);
    await startOf(stuck.reservationId);
    // Its kubelet goes silent: kwok stops managing the node, and the node reports NotReady.
    await changeNode(nodeName(8), (node) => {
      delete node.metadata?.annotations?.[SIMULATED_NODE_ANNOTATION];
    });
    await changeNode(
      nodeName(8),
      (node) => {
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready)
          Object.assign(ready, {
            status: 'False',
            reason: 'KubeletNotReady',
            lastTransitionTime: new Date(),
          });
      },
      'status',
    );
    const end = await finishOf(stuck.reservationId);
    expect(end.payload).toMatchObject({
      outcome: 'failed',
      reason: 'node-lost',
      failedNodes: [{ clusterId: cluster, nodeName: nodeName(8) }],
    });
    expect(end.payload.detail).toMatch(/NotReady/);
    const fault = await faults.waitFor<Recorded<SupplierFaultObservedPayload>>(
      (e) => e.payload.jobId === stuck.jobId,
    );
    expect(fault.payload).toMatchObject({ clusterId: cluster, nodeName: nodeName(8), kind: 'node-lost' });
    await eventually(async () => expect(await podsOf(stuck.reservationId)).toHaveLength(0));
  });

  it('survives a crash: no duplicate, no orphan, and what happened while down is reported once', async () => {
    const survivor = allocation(`job-${uuidv7()}`, [5], { annotations: runsFor(6) });
    await publishPaid(survivor);
    await startOf(survivor.reservationId);
    await orchestrator.process.kill(); // SIGKILL: no orderly stop
    // While it is down: the job completes, and a stray pod claims to be ours.
    await eventually(async () => {
      const [pod] = await podsOf(survivor.reservationId);
      expect(pod.status?.phase).toBe('Succeeded');
    }, 60_000);
    const orphanName = `orphan-${suffix}`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: orphanName,
          labels: {
            [WorkloadLabels.managedBy]: 'gridex-orchestrator',
            [WorkloadLabels.cluster]: cluster,
            [WorkloadLabels.workloadId]: uuidv7(),
          },
        },
        spec: {
          nodeName: nodeName(6),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'main',
              image: 'registry.gridex.io/test/idle:1',
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    orchestrator = await launchService(
      'orchestrator',
      { ...overrides, DATABASE_SCHEMA: orchestrator.schema },
      { startAtTopicEnds: false },
    );
    await untilReady(orchestrator);
    const end = await finishOf(survivor.reservationId);
    expect(end.payload).toMatchObject({ outcome: 'succeeded' });
    await eventually(async () => {
      const orphan = await core.readNamespacedPod({ name: orphanName, namespace }).catch(() => undefined);
      expect(orphan === undefined || orphan.metadata?.deletionTimestamp !== undefined).toBe(true);
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const reports = finished
      .values<Recorded<WorkloadFinishedPayload>>()
      .filter((e) => e.payload.reservationId === survivor.reservationId);
    expect(reports).toHaveLength(1);
    expect(
      started
        .values<Recorded<WorkloadStartedPayload>>()
        .filter((e) => e.payload.reservationId === survivor.reservationId),
    ).toHaveLength(1);
  }, 120_000);
});
