import { CoreV1Api } from '@kubernetes/client-node';
import {
  CapacityChangedPayload,
  createEvent,
  deadLetterTopic,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  OfferDeclared,
  PoolAvailabilityChanged,
  SupplierFaultObserved,
  SupplierRegistered,
  Topics,
  uuidv7,
} from '@gridex/contracts';
import {
  dropSchema,
  eventually,
  launchService,
  LaunchedService,
  queryStack,
  testKafka,
  testKubeConfig,
  TopicRecorder,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
// The same builder `stack:fleet` uses, so the test's node follows the GPU node-pool contract.
import { buildGpuPool } from '@gridex/gpu-node-pool';

type Capacity = EventEnvelope<CapacityChangedPayload>;

describe('supply: a GPU node in Kubernetes becomes sellable capacity on the feed', () => {
  const kafka = testKafka();
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  const supplier = `e2e-${uniqueSuffix()}`;
  // A region of this run only: the capacity feed outlives the test, and matching reads all of it.
  const region = `eu-${supplier}`;
  const [node] = buildGpuPool({
    supplier,
    pool: 'h100',
    region,
    gpuProduct: 'H100-80GB',
    gpusPerNode: 8,
    count: 1,
    interconnect: 'infiniband',
  });
  // Declares H100s but its GPUs benchmark like A100s.
  const [impostor] = buildGpuPool({
    supplier,
    pool: 'h100',
    region,
    gpuProduct: 'H100-80GB',
    gpusPerNode: 8,
    count: 1,
    firstIndex: 1,
    interconnect: 'infiniband',
    simulatedScorePerGpu: 400,
  });
  const nodeId = deterministicUuid(IdNamespaces.node, 'local', node.metadata.name);
  const impostorId = deterministicUuid(IdNamespaces.node, 'local', impostor.metadata.name);
  const services: LaunchedService[] = [];
  let feed: TopicRecorder;
  let deadLetters: TopicRecorder;

  /** The state with the highest revision the feed has shown for a node so far. */
  const newest = (id: string) =>
    feed
      .values<Capacity>()
      .map((event) => event.payload)
      .filter((payload) => payload.nodeId === id)
      .reduce<CapacityChangedPayload | undefined>(
        (best, payload) => (!best || payload.revision > best.revision ? payload : best),
        undefined,
      );

  const latest = (predicate: (payload: CapacityChangedPayload) => boolean, id = nodeId) =>
    feed.waitFor<Capacity>((event) => event.payload.nodeId === id && predicate(event.payload));

  const publish = async (topic: string, key: string, event: unknown) => {
    const producer = testPublisher(kafka);
    await producer.send(topic, [{ key, value: JSON.stringify(event) }]);
    await producer.close();
  };

  beforeAll(async () => {
    feed = await TopicRecorder.start(kafka, Topics.capacityChanged);
    deadLetters = await TopicRecorder.start(kafka, deadLetterTopic(Topics.offerDeclared));
    // Only this test's nodes: the shared default fleet stays untouched by its benchmarks.
    services.push(
      await launchService('orchestrator', { GPU_NODE_SELECTOR: `gridex.io/supplier=${supplier}` }),
      // Reliability recomputed every second here, so a history that changed without an event shows at once.
      await launchService('inventory', { RELIABILITY_REFRESH_SECONDS: '1' }),
    );
    await Promise.all(services.map((service) => untilReady(service)));
  });

  afterAll(async () => {
    await core.deleteNode({ name: node.metadata.name }).catch(() => undefined);
    await core.deleteNode({ name: impostor.metadata.name }).catch(() => undefined);
    for (const service of services) {
      service.process.signal('SIGTERM');
      await service.process.exited;
      await dropSchema(service.schema);
    }
    await feed.stop();
    await deadLetters.stop();
  });

  it('publishes a new node with the attributes of its labels, not sellable before it has an offer', async () => {
    await core.createNode({ body: node });
    const { payload } = await latest((state) => state.ready);
    expect(payload).toMatchObject({
      clusterId: 'local',
      nodeName: node.metadata.name,
      supplierId: supplier,
      pool: 'h100',
      region,
      gpuProduct: 'NVIDIA-H100-80GB-HBM3',
      gpuMemoryMiB: 81559,
      interconnect: 'infiniband',
      gpus: 8,
      allocatableGpus: 8,
      removed: false,
      verification: 'unverified',
      schedulable: false,
    });
    expect(payload.pricePerGpuHour).toBeUndefined();
  });

  it("makes the node sellable at the supplier's price once the supplier registers and declares an offer", async () => {
    const origin = { correlationId: `e2e-${supplier}`, causationId: null };
    await publish(
      Topics.supplierRegistered,
      supplier,
      createEvent(
        SupplierRegistered,
        { supplierId: supplier, name: 'E2E Compute', kind: 'datacenter', region },
        origin,
      ),
    );
    await publish(
      Topics.offerDeclared,
      supplier,
      createEvent(
        OfferDeclared,
        {
          offerId: `offer-${supplier}`,
          supplierId: supplier,
          pool: 'h100',
          pricePerGpuHour: { currency: 'USD', micros: '2100000' },
          interruptiblePricePerGpuHour: { currency: 'USD', micros: '1300000' },
          minLeaseSeconds: 60,
          validFrom: '2026-01-01T00:00:00.000Z',
          // The impostor node does not exist yet: an override may only name nodes of the pool.
          nodeOverrides: [
            { nodeName: node.metadata.name, pricePerGpuHour: { currency: 'USD', micros: '2200000' } },
          ],
        },
        origin,
      ),
    );
    // The two events travel on different topics, so either may be applied first: wait for the state with both.
    const { payload } = await latest((state) => state.schedulable && state.supplierKind !== undefined);
    expect(payload).toMatchObject({
      supplierKind: 'datacenter',
      // The node's own price overrides the pool's 2.10.
      pricePerGpuHour: { currency: 'USD', micros: '2200000' },
      interruptiblePricePerGpuHour: { currency: 'USD', micros: '1300000' },
    });
  });

  it('verifies the node with a benchmark pinned to it, and fails a node that fakes a better GPU', async () => {
    // The benchmark may finish before or after the offer is applied: wait for the state that has both.
    const honest = await latest(
      (state) => state.verification !== 'unverified' && state.pricePerGpuHour !== undefined,
    );
    expect(honest.payload).toMatchObject({
      verification: 'verified',
      benchmarkScore: 8000,
      schedulable: true,
    });

    await core.createNode({ body: impostor });
    const faked = await latest((state) => state.verification !== 'unverified', impostorId);
    expect(faked.payload).toMatchObject({ verification: 'failed', benchmarkScore: 3200, schedulable: false });
    await core.deleteNode({ name: impostor.metadata.name });
  });

  it("answers the gateway's node queries from the book the feed describes", async () => {
    const inventory = services[1].url;
    // The book is written with the outbox row; the feed follows within moments of the relay.
    await eventually(async () => {
      const nodes = (await (await fetch(`${inventory}/v1/suppliers/${supplier}/nodes`)).json()) as {
        items: CapacityChangedPayload[];
      };
      expect(nodes.items.find((item) => item.nodeId === nodeId)).toEqual(newest(nodeId));
    });
  });

  it('stops selling a paused pool, sells it again when resumed, and counts supplier faults once each', async () => {
    const origin = { correlationId: `e2e-${supplier}`, causationId: null };
    const setPaused = (paused: boolean) =>
      publish(
        Topics.poolAvailabilityChanged,
        supplier,
        createEvent(PoolAvailabilityChanged, { supplierId: supplier, pool: 'h100', paused }, origin),
      );
    await setPaused(true);
    const paused = await latest((state) => state.poolPaused);
    expect(paused.payload.schedulable).toBe(false);
    await setPaused(false);
    const resumed = await latest((state) => !state.poolPaused && state.revision > paused.payload.revision);
    expect(resumed.payload.schedulable).toBe(true);

    // The impostor's failed verification was the supplier's first fault; a lost node reported twice is one more.
    const fault = createEvent(
      SupplierFaultObserved,
      {
        faultId: deterministicUuid(IdNamespaces.node, 'fault', supplier),
        clusterId: 'local',
        nodeName: node.metadata.name,
        kind: 'node-lost',
        detail: 'simulated',
        observedAt: new Date().toISOString(),
      },
      origin,
    );
    await publish(Topics.supplierFaultObserved, node.metadata.name, fault);
    await publish(Topics.supplierFaultObserved, node.metadata.name, { ...fault, eventId: uuidv7() });
    const faulted = await latest((state) => state.supplierFaults30d === 2);
    // The lost-node fault is charged to this node's score too: 5 points off its uptime, the parts published.
    expect(faulted.payload.reliability).toMatchObject({ faults30d: 1, faultPenaltyBps: 500 });
    expect(faulted.payload.reliabilityBasisPoints).toBe(
      Math.floor(
        (2_000 * (faulted.payload.reliability?.uptime24hBps ?? 0) +
          3_000 * (faulted.payload.reliability?.uptime7dBps ?? 0) +
          5_000 * (faulted.payload.reliability?.uptime30dBps ?? 0)) /
          10_000,
      ) - 500,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      feed.values<Capacity>().some((e) => e.payload.nodeId === nodeId && e.payload.supplierFaults30d > 2),
    ).toBe(false);
  });

  it('recomputes reliability on a schedule: downtime in the history lowers the score without any new event', async () => {
    // Seen for three hours, down for the middle one: as if the history had been recorded before this test.
    const schema = services[1].schema;
    const writtenAt = Date.now();
    const hoursAgo = (h: number) => new Date(writtenAt - h * 3600_000);
    // One statement, so the scheduled pass never sees the history half rewritten.
    await queryStack(
      `WITH seen AS (UPDATE "${schema}".nodes SET first_seen_at = $2 WHERE node_id = $1),
            cleared AS (DELETE FROM "${schema}".node_readiness WHERE node_id = $1)
       INSERT INTO "${schema}".node_readiness (node_id, at, ready) VALUES ($1, $2, true), ($1, $3, false), ($1, $4, true)`,
      [nodeId, hoursAgo(3), hoursAgo(2), hoursAgo(1)],
    );
    const recomputed = await latest((state) => {
      const uptime = state.reliability?.uptime24hBps ?? 10_000;
      return uptime > 6_000 && uptime < 7_000;
    });
    // Two of the three hours seen, and up for the seconds since: (2 h + s) / (3 h + s) in every window, less the
    // fault before, where s is at most the time from the rewrite until the recomputed capacity was published.
    const parts = recomputed.payload.reliability;
    const since = Math.max(0, (Date.parse(recomputed.occurredAt) - writtenAt) / 1000);
    expect(parts?.uptime24hBps).toBeGreaterThanOrEqual(6_666);
    expect(parts?.uptime24hBps).toBeLessThanOrEqual(
      Math.floor((10_000 * (7_200 + since)) / (10_800 + since)) + 1,
    );
    expect(parts).toMatchObject({
      uptime7dBps: parts?.uptime24hBps,
      uptime30dBps: parts?.uptime24hBps,
      faults30d: 1,
    });
    expect(recomputed.payload.reliabilityBasisPoints).toBe((parts?.uptime24hBps ?? 0) - 500);
  });

  it('refuses a negative price with a coded reason on the dead-letter topic, changing nothing', async () => {
    const offerId = `bad-offer-${uniqueSuffix()}`;
    const bad = createEvent(
      OfferDeclared,
      {
        offerId,
        supplierId: supplier,
        pool: 'h100',
        pricePerGpuHour: { currency: 'USD', micros: '-5' },
        minLeaseSeconds: 60,
        validFrom: '2026-01-01T00:00:00.000Z',
      },
      { correlationId: `e2e-${supplier}`, causationId: null },
    );
    await publish(Topics.offerDeclared, supplier, bad);
    await deadLetters.waitFor<{ payload: { offerId: string } }>((event) => event.payload.offerId === offerId);
    const message = deadLetters.messages.find((m) => m.value?.toString().includes(offerId));
    expect(message?.headers.get('gridex-dlq-code')?.toString()).toBe('MESSAGING.REJECTED');
    expect(message?.headers.get('gridex-dlq-reason')?.toString()).toMatch(
      /INVENTORY.INVALID_PRICE: pricePerGpuHour: must be more than 0/,
    );
    const states = feed.values<Capacity>().filter((event) => event.payload.nodeId === nodeId);
    expect(states[states.length - 1].payload.pricePerGpuHour).toEqual({ currency: 'USD', micros: '2200000' });
  });

  it('withdraws the node when it leaves the cluster', async () => {
    await core.deleteNode({ name: node.metadata.name });
    const { payload } = await latest((state) => state.removed);
    expect(payload).toMatchObject({ removed: true, ready: false, schedulable: false, allocatableGpus: 0 });
    const revisions = feed
      .values<Capacity>()
      .filter((e) => e.payload.nodeId === nodeId)
      .map((e) => e.payload.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  });

  it('rebuilds from the feed exactly the book inventory holds (what matching does at start)', async () => {
    await eventually(async () => {
      const rebuilt = new Map<string, CapacityChangedPayload>();
      for (const { payload } of feed.values<Capacity>()) {
        if (payload.supplierId !== supplier) continue;
        const known = rebuilt.get(payload.nodeId);
        if (!known || known.revision < payload.revision) rebuilt.set(payload.nodeId, payload);
      }
      const book = (await (
        await fetch(`${services[1].url}/v1/suppliers/${supplier}/nodes?includeRemoved=true`)
      ).json()) as { items: CapacityChangedPayload[] };
      expect(new Map(book.items.map((state) => [state.nodeId, state]))).toEqual(rebuilt);
      expect(rebuilt.size).toBe(2);
    });
  });
});
