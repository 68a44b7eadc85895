import {
  CapacityChanged,
  CapacityChangedPayload,
  deterministicUuid,
  EventEnvelope,
  IdNamespaces,
  JobExpiredPayload,
  JobMatchedPayload,
  JobPreemptedPayload,
  JobSubmitted,
  JobSubmittedPayload,
  JobUnmatchedPayload,
  TenantShareSet,
  Topics,
  uuidv7,
  WorkloadFinished,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  capacityChange,
  dropSchema,
  eventually,
  launchService,
  publishEvents,
  LaunchedService,
  queryStack,
  testKafka,
  TopicRecorder,
  uniqueSuffix,
  untilReady,
  testPublisher,
  withAdmin,
} from '@gridex/testing';

/**
 * Matching against the real Kafka and PostgreSQL, through its events only: the test plays inventory (capacity
 * feed), the gateway (job submissions) and the orchestrator (workload ends). Every test uses a GPU product of its
 * own, so jobs can only land on its own nodes whatever else the shared feed holds.
 */
const suffix = uniqueSuffix();
const usd = (micros: string) => ({ currency: 'USD', micros });

let revision = 1;
function capacity(
  product: string,
  name: string,
  patch: Partial<CapacityChangedPayload> = {},
): CapacityChangedPayload {
  return capacityChange({
    clusterId: `c-${suffix}`,
    nodeName: name,
    supplierId: `s-${suffix}`,
    gpuProduct: product,
    revision: revision++,
    ...patch,
  });
}

function job(product: string, patch: Partial<JobSubmittedPayload> = {}): JobSubmittedPayload {
  return {
    jobId: `job-${uuidv7()}`,
    tenantId: `tenant-${suffix}`,
    image: 'registry.gridex.io/test/train:1',
    command: ['python', 'train.py'],
    gpusPerNode: 8,
    nodeCount: 1,
    gpuProducts: [product],
    maxPricePerGpuHour: usd('5000000'),
    expectedDurationSeconds: 600,
    tier: 'on-demand',
    priority: 0,
    ...patch,
  };
}

/** Starts matching; a second process of the same deployment joins the running group where it is. */
async function startMatching(group: string, schema?: string): Promise<LaunchedService> {
  const service = await launchService(
    'matching',
    {
      KAFKA_CONSUMER_GROUP: group,
      LOG_LEVEL: 'warn',
      MATCHING_QUEUE_INTERVAL_MS: '200',
      MATCHING_RESERVATION_SYNC_MS: '100',
      // A pass tries at most 40 queued jobs: the fair-share test queues more than that for one tenant.
      MATCHING_QUEUE_BATCH: '40',
      ...(schema ? { DATABASE_SCHEMA: schema } : {}),
    },
    { startAtTopicEnds: schema === undefined },
  );
  await untilReady(service);
  return service;
}

type Recorded<T> = EventEnvelope<T>;

function quoteOf(product: string) {
  return {
    gpusPerNode: 8,
    nodeCount: 1,
    gpuProducts: [product],
    maxPricePerGpuHour: usd('5000000'),
    expectedDurationSeconds: 600,
    tier: 'on-demand',
  };
}

describe('matching service', () => {
  const kafka = testKafka();
  const product = `T-${suffix}`;
  let producer: MessagePublisher;
  let matching: LaunchedService;
  let matched: TopicRecorder;
  let unmatched: TopicRecorder;
  let preempted: TopicRecorder;
  let expired: TopicRecorder;
  const matchOf = (jobId: string) =>
    matched.waitFor<Recorded<JobMatchedPayload>>((e) => e.payload.jobId === jobId);

  beforeAll(async () => {
    producer = testPublisher(kafka);
    [matched, unmatched, preempted, expired] = await Promise.all(
      [Topics.jobMatched, Topics.jobUnmatched, Topics.jobPreempted, Topics.jobExpired].map((topic) =>
        TopicRecorder.start(kafka, topic),
      ),
    );
    // Two nodes before matching starts (it must find them in the feed's history), more later.
    await publishEvents(producer, CapacityChanged, [capacity(product, 'n1'), capacity(product, 'n2')]);
    matching = await startMatching(`it-matching-${suffix}`);
  });

  afterAll(async () => {
    await matching?.process.kill();
    await Promise.all([matched, unmatched, preempted, expired].map((r) => r?.stop()));
    await producer?.close();
    if (matching) await dropSchema(matching.schema);
  });

  it('places a job on a node from the feed, snapshots ask and client price, and reserves deterministically', async () => {
    const single = job(product);
    await publishEvents(producer, JobSubmitted, [single]);
    const event = await matchOf(single.jobId);
    expect(event.payload).toMatchObject({
      jobId: single.jobId,
      tenantId: single.tenantId,
      attempt: 0,
      reservationId: deterministicUuid(IdNamespaces.reservation, single.jobId, 0),
      tier: 'on-demand',
    });
    expect(event.payload.allocations).toEqual([
      expect.objectContaining({
        gpus: 8,
        clusterId: `c-${suffix}`,
        pricePerGpuHour: usd('2300000'), // the ask plus the default 15 % take
        supplierPricePerGpuHour: usd('2000000'),
      }),
    ]);
    // Why it landed there: the chosen node's score term by term, and the other node as the runner-up.
    const { chosen, runnerUp } = event.payload.explanation ?? {};
    expect(chosen).toMatchObject({
      nodeName: event.payload.allocations[0].nodeName,
      pricePerGpuHour: usd('2300000'),
    });
    expect(runnerUp?.nodeName).toMatch(/^n[12]$/);
    expect(runnerUp?.nodeName).not.toBe(chosen?.nodeName);
    expect(chosen?.score.total).toBeGreaterThanOrEqual(runnerUp?.score.total ?? Number.POSITIVE_INFINITY);
    const { total, ...terms } = chosen?.score ?? { total: Number.NaN };
    expect(Object.values(terms).reduce((sum, term) => sum + term, 0)).toBeCloseTo(total, 9);
    // Done: its GPUs come back for the next tests.
    await publishEvents(producer, WorkloadFinished, [
      {
        jobId: single.jobId,
        reservationId: event.payload.reservationId,
        workloadId: uuidv7(),
        outcome: 'succeeded',
        finishedAt: new Date().toISOString(),
      },
    ]);
    await eventually(async () => {
      const response = await fetch(`${matching.url}/v1/quotes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...quoteOf(product), nodeCount: 2 }),
      });
      expect(await response.json()).toMatchObject({ feasible: true });
    });
  });

  it('explains a miss, queues the job, and places it when capacity arrives', async () => {
    const gang = job(product, { nodeCount: 3, interconnect: 'infiniband' });
    await publishEvents(producer, JobSubmitted, [gang]);
    const miss = await unmatched.waitFor<Recorded<JobUnmatchedPayload>>(
      (e) => e.payload.jobId === gang.jobId,
    );
    expect(miss.payload.queued).toBe(true);
    expect(miss.payload.code).toBe('MATCHING.INFEASIBLE');
    const charged = miss.payload.exclusions.reduce((sum, e) => sum + e.excludedNodes, 0);
    expect(charged).toBe(miss.payload.nodesConsidered);
    expect(miss.payload.exclusions).toContainEqual({
      constraint: 'gang-size',
      excludedNodes: 2,
      excludedGpus: 16,
    });

    await publishEvents(producer, CapacityChanged, [capacity(product, 'n3')]);
    const placed = await matchOf(gang.jobId);
    expect(placed.payload.allocations.map((a) => a.nodeName).sort()).toEqual(['n1', 'n2', 'n3']);
    await publishEvents(producer, WorkloadFinished, [
      {
        jobId: gang.jobId,
        reservationId: placed.payload.reservationId,
        workloadId: uuidv7(),
        outcome: 'succeeded',
        finishedAt: new Date().toISOString(),
      },
    ]);
  });

  it('routes to capacity of another network unless the client pinned the job to local capacity', async () => {
    const networkProduct = `N-${suffix}`;
    await publishEvents(producer, CapacityChanged, [
      capacity(networkProduct, 'peer-n1', {
        clusterId: `peer-${suffix}`,
        supplierId: `network:peer-${suffix}`,
        supplierKind: 'network',
        networkId: `peer-${suffix}`,
      }),
    ]);
    const localOnly = job(networkProduct, { networks: 'local' });
    await publishEvents(producer, JobSubmitted, [localOnly]);
    const miss = await unmatched.waitFor<Recorded<JobUnmatchedPayload>>(
      (e) => e.payload.jobId === localOnly.jobId,
    );
    // The shared feed holds other runs' nodes too (a local exchange's whole fleet, sellable or not): the network
    // constraint (checked after sellability, before the GPU product) is charged with every sellable network's
    // capacity, this one's included, and nothing else could host the job.
    expect(miss.payload.code).toBe('MATCHING.INFEASIBLE');
    expect(miss.payload.exclusions.map((e) => e.constraint)).toEqual(expect.arrayContaining(['network']));
    expect(
      miss.payload.exclusions.every((e) => ['not-sellable', 'network', 'gpu-product'].includes(e.constraint)),
    ).toBe(true);

    const anywhere = job(networkProduct);
    await publishEvents(producer, JobSubmitted, [anywhere]);
    const placed = await matchOf(anywhere.jobId);
    expect(placed.payload.allocations).toEqual([
      expect.objectContaining({ nodeName: 'peer-n1', networkId: `peer-${suffix}`, gpus: 8 }),
    ]);
    expect(
      matched.values<Recorded<JobMatchedPayload>>().some((e) => e.payload.jobId === localOnly.jobId),
    ).toBe(false);
  });

  it('preempts the cheapest interruptible work for an on-demand job, and requeues the victim', async () => {
    const own = `P-${suffix}`;
    await publishEvents(producer, CapacityChanged, [capacity(own, 'p1')]);
    const batch = job(own, { tier: 'interruptible', maxPricePerGpuHour: usd('2000000') });
    await publishEvents(producer, JobSubmitted, [batch]);
    const victim = await matchOf(batch.jobId);
    expect(victim.payload.allocations[0].pricePerGpuHour).toEqual(usd('1380000'));

    const urgent = job(own);
    await publishEvents(producer, JobSubmitted, [urgent]);
    const taken = await preempted.waitFor<Recorded<JobPreemptedPayload>>(
      (e) => e.payload.jobId === batch.jobId,
    );
    expect(taken.payload).toMatchObject({
      reservationId: victim.payload.reservationId,
      preemptedByJobId: urgent.jobId,
      requeued: true,
    });
    const placed = await matchOf(urgent.jobId);
    expect(placed.payload.allocations[0].nodeName).toBe('p1');

    // When the on-demand job ends, the requeued interruptible job gets the node back, as a new attempt.
    await publishEvents(producer, WorkloadFinished, [
      {
        jobId: urgent.jobId,
        reservationId: placed.payload.reservationId,
        workloadId: uuidv7(),
        outcome: 'succeeded',
        finishedAt: new Date().toISOString(),
      },
    ]);
    const again = await matched.waitFor<Recorded<JobMatchedPayload>>(
      (e) => e.payload.jobId === batch.jobId && e.payload.attempt === 1,
    );
    expect(again.payload.reservationId).toBe(deterministicUuid(IdNamespaces.reservation, batch.jobId, 1));
  });

  it('fails a job over to another node when its node is lost, within the retry budget', async () => {
    const own = `F-${suffix}`;
    await publishEvents(producer, CapacityChanged, [
      capacity(own, `f1-${suffix}`),
      capacity(own, `f2-${suffix}`, { pricePerGpuHour: usd('2500000') }),
    ]);
    const fragile = job(own, { retryBudget: 1 });
    await publishEvents(producer, JobSubmitted, [fragile]);
    const first = await matchOf(fragile.jobId);
    const lostNode = first.payload.allocations[0];
    expect(lostNode.nodeName).toBe(`f1-${suffix}`); // the cheaper one
    await publishEvents(producer, WorkloadFinished, [
      {
        jobId: fragile.jobId,
        reservationId: first.payload.reservationId,
        workloadId: uuidv7(),
        outcome: 'failed',
        reason: 'node-lost',
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        failedNodes: [{ clusterId: lostNode.clusterId, nodeName: lostNode.nodeName }],
      },
    ]);
    const second = await matched.waitFor<Recorded<JobMatchedPayload>>(
      (e) => e.payload.jobId === fragile.jobId && e.payload.attempt === 1,
    );
    expect(second.payload.allocations[0].nodeName).toBe(`f2-${suffix}`);

    // The budget is spent: losing the second node fails the job instead of placing it again.
    await publishEvents(producer, WorkloadFinished, [
      {
        jobId: fragile.jobId,
        reservationId: second.payload.reservationId,
        workloadId: uuidv7(),
        outcome: 'failed',
        reason: 'node-lost',
        finishedAt: new Date().toISOString(),
      },
    ]);
    await eventually(async () => {
      const response = await fetch(`${matching.url}/metrics`);
      expect(await response.text()).toMatch(/gridex_matching_failovers_total\{outcome="exhausted"[^}]*\} 1/);
    });
    expect(
      matched.values<Recorded<JobMatchedPayload>>().filter((e) => e.payload.jobId === fragile.jobId),
    ).toHaveLength(2);
  });

  it('shares freed capacity by tenant weight across the whole queue, not the oldest page of it', async () => {
    const fairProduct = `Q-${suffix}`;
    const heavy = `heavy-${suffix}`;
    const light = `light-${suffix}`;
    // One tenant's backlog comes first and is longer than a pass reads; the other's six jobs come after it.
    const backlog = Array.from({ length: 60 }, () => job(fairProduct, { tenantId: heavy, gpusPerNode: 1 }));
    const later = Array.from({ length: 6 }, () => job(fairProduct, { tenantId: light, gpusPerNode: 1 }));
    await publishEvents(producer, JobSubmitted, backlog);
    await publishEvents(producer, JobSubmitted, later);
    await publishEvents(producer, TenantShareSet, [
      { tenantId: light, weight: 3, setAt: new Date().toISOString() },
    ]);
    for (const queued of [backlog[backlog.length - 1], later[later.length - 1]]) {
      await unmatched.waitFor<Recorded<JobUnmatchedPayload>>((e) => e.payload.jobId === queued.jobId);
    }
    // The operator's weight reaches matching before capacity does.
    await eventually(async () => {
      const rows = await queryStack(
        `SELECT weight FROM "${matching.schema}".tenant_shares WHERE tenant_id = $1`,
        [light],
      );
      expect(rows).toEqual([{ weight: 3 }]);
    });
    await publishEvents(producer, CapacityChanged, [capacity(fairProduct, 'fair-1')]);
    const ids = new Set([...backlog, ...later].map((j) => j.jobId));
    const placed = await eventually(async () => {
      const events = matched.values<Recorded<JobMatchedPayload>>().filter((e) => ids.has(e.payload.jobId));
      expect(events).toHaveLength(8);
      return events;
    }, 30_000);
    // Weight 3 against 1 over 8 GPUs: six for the later tenant, two for the one with the long backlog.
    const byTenant = (tenantId: string) => placed.filter((e) => e.payload.tenantId === tenantId).length;
    expect([byTenant(light), byTenant(heavy)]).toEqual([6, 2]);
  });

  it('expires a queued job at its deadline', async () => {
    const hopeless = job(product, {
      nodeCount: 40,
      queueDeadline: new Date(Date.now() + 1_000).toISOString(),
    });
    await publishEvents(producer, JobSubmitted, [hopeless]);
    const event = await expired.waitFor<Recorded<JobExpiredPayload>>(
      (e) => e.payload.jobId === hopeless.jobId,
    );
    expect(event.payload.queueDeadline).toBe(hopeless.queueDeadline);
  });

  it('quotes without reserving, explains infeasible quotes, and refuses bad ones with problem+json', async () => {
    const quote = (body: unknown) =>
      fetch(`${matching.url}/v1/quotes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const spec = {
      gpusPerNode: 4,
      nodeCount: 1,
      gpuProducts: [product],
      maxPricePerGpuHour: usd('5000000'),
      expectedDurationSeconds: 1800,
      tier: 'on-demand',
    };
    const feasible = (await (await quote(spec)).json()) as { allocations: unknown[] };
    expect(feasible).toMatchObject({ feasible: true, estimatedCost: usd('4600000') }); // 4 × 2.30 × ½ h
    const again = (await (await quote(spec)).json()) as { allocations: unknown[] };
    expect(again.allocations).toEqual(feasible.allocations); // nothing was reserved

    const tooCheap = await (await quote({ ...spec, maxPricePerGpuHour: usd('100000') })).json();
    expect(tooCheap).toMatchObject({
      feasible: false,
      nearMiss: { relax: 'price-cap', pricePerGpuHour: usd('2300000') },
    });

    const bad = await quote({ ...spec, gpusPerNode: 0, surprise: true });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await bad.json()) as { code: string; errors: Array<{ field: string }> };
    expect(problem.code).toBe('MATCHING.INVALID_QUOTE');
    expect(problem.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['gpusPerNode']));
  });

  it('answers offer searches from its book: free GPUs net of its reservations, at the client price, in every order', async () => {
    const offered = `O-${suffix}`;
    // o1: 2.00, 99.9 %, bench 1000 · o2: 1.50, 95 % · o3: 3.00, 99.99 %, bench 4000 · o4: 1.00, 99 %, unverified
    await publishEvents(producer, CapacityChanged, [
      capacity(offered, 'o1'),
      capacity(offered, 'o2', { pricePerGpuHour: usd('1500000'), reliabilityBasisPoints: 9_500 }),
      capacity(offered, 'o3', {
        pricePerGpuHour: usd('3000000'),
        benchmarkScore: 4000,
        reliabilityBasisPoints: 9_999,
        reliability: {
          uptime24hBps: 10_000,
          uptime7dBps: 9_999,
          uptime30dBps: 9_999,
          faults30d: 0,
          faultPenaltyBps: 0,
        },
      }),
      capacity(offered, 'o4', {
        verification: 'unverified',
        pricePerGpuHour: usd('1000000'),
        reliabilityBasisPoints: 9_900,
      }),
    ]);
    interface Page {
      items: Array<Record<string, unknown> & { nodeName: string; freeGpus: number }>;
      nextCursor?: string;
    }
    const search = async (query: string) => {
      const response = await fetch(`${matching.url}/v1/offers?gpuProduct=${offered}&${query}`);
      return { status: response.status, body: (await response.json()) as Page & { code?: string } };
    };
    const names = async (query: string) => (await search(query)).body.items.map((o) => o.nodeName);
    await eventually(async () => expect(await names('minFreeGpus=0')).toHaveLength(4));

    // What the client pays, and how it splits: the ask, and matching's 15 % take on it.
    const [cheapestVerified] = (await search('verifiedOnly=true')).body.items;
    expect(cheapestVerified).toMatchObject({
      nodeName: 'o2',
      gpus: 8,
      freeGpus: 8,
      takeRateBps: 1500,
      onDemand: { ask: usd('1500000'), fee: usd('225000'), price: usd('1725000') },
      interruptible: { ask: usd('1200000'), fee: usd('180000'), price: usd('1380000') },
    });
    expect((await search('sort=reliability')).body.items[0]).toMatchObject({
      nodeName: 'o3',
      reliabilityBasisPoints: 9_999,
      reliability: { uptime7dBps: 9_999, faults30d: 0 },
    });

    // Every order, over these rows; a page at a time gives the same sequence.
    expect(await names('sort=price')).toEqual(['o4', 'o2', 'o1', 'o3']);
    expect(await names('sort=perf-per-dollar')).toEqual(['o3', 'o4', 'o2', 'o1']);
    expect(await names('sort=reliability')).toEqual(['o3', 'o1', 'o4', 'o2']);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await search(`sort=reliability&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
      paged.push(...page.items.map((o) => o.nodeName));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(['o3', 'o1', 'o4', 'o2']);
    // The cap is on the client's price: 1.725 passes 1.80, 2.30 does not.
    expect(await names('verifiedOnly=true&maxPricePerGpuHourMicros=1800000')).toEqual(['o2']);

    // A job takes 4 GPUs of a node: the search shows the 4 left, and the node drops out for 5 free.
    const placed = job(offered, { gpusPerNode: 4, tenantId: `tenant-o-${suffix}` });
    await publishEvents(producer, JobSubmitted, [placed]);
    const [allocation] = (await matchOf(placed.jobId)).payload.allocations;
    await eventually(async () => {
      const items = (await search('minFreeGpus=0')).body.items;
      expect(items.find((o) => o.nodeName === allocation.nodeName)?.freeGpus).toBe(4);
      expect(items.filter((o) => o.freeGpus === 8)).toHaveLength(3);
    });
    expect(await names('minFreeGpus=5')).not.toContain(allocation.nodeName);

    const bad = await search('interconnect=carrier-pigeon&colour=blue');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('MATCHING.INVALID_OFFER_QUERY');
  });
});

describe('two matching replicas on one fleet', () => {
  const kafka = testKafka();
  const product = `R-${suffix}`;
  const replicas: LaunchedService[] = [];
  let producer: MessagePublisher;
  let matched: TopicRecorder;

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.kill()));
    await matched?.stop();
    await producer?.close();
    if (replicas[0]) await dropSchema(replicas[0].schema);
  });

  it('never allocates a GPU twice: 120 jobs of 4 GPUs for 20 nodes of 8 place exactly 40', async () => {
    producer = testPublisher(kafka);
    matched = await TopicRecorder.start(kafka, Topics.jobMatched);
    await publishEvents(
      producer,
      CapacityChanged,
      Array.from({ length: 20 }, (_, i) => capacity(product, `r${i}-${suffix}`)),
    );
    // One deployment, two processes: same schema, same consumer group (each takes half the partitions).
    const group = `it-replicas-${suffix}`;
    replicas.push(await startMatching(group));
    replicas.push(await startMatching(group, replicas[0].schema));
    // Publish only once both processes hold partitions of the jobs topic, or one replica would take them all.
    await withAdmin((admin) =>
      eventually(async () => {
        const described = (await admin.describeGroups({ groups: [group] })).get(group);
        expect(described?.state).toBe('Stable');
        expect(described?.members.size).toBe(2);
      }, 60_000),
    );

    const jobs = Array.from({ length: 120 }, () => job(product, { gpusPerNode: 4 }));
    await publishEvents(producer, JobSubmitted, jobs);
    const ours = new Set(jobs.map((j) => j.jobId));
    const placements = () =>
      matched.values<Recorded<JobMatchedPayload>>().filter((e) => ours.has(e.payload.jobId));
    await eventually(() => expect(placements()).toHaveLength(40), 60_000);
    // Give any over-allocation time to show, then check every node's total.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const perNode = new Map<string, number>();
    for (const event of placements()) {
      for (const a of event.payload.allocations) perNode.set(a.nodeId, (perNode.get(a.nodeId) ?? 0) + a.gpus);
    }
    expect(placements()).toHaveLength(40);
    expect([...perNode.values()].every((gpus) => gpus <= 8)).toBe(true);
    expect(perNode.size).toBe(20);
    // Both replicas consumed submissions (the test is about two writers, not one replica doing everything).
    for (const replica of replicas) {
      const metrics = await (await fetch(`${replica.url}/metrics`)).text();
      expect(metrics).toMatch(
        /gridex_matching_consumed_events_total\{topic="gridex\.gateway\.job-submitted\.v1",outcome="processed"[^}]*\} [1-9]/,
      );
    }
  }, 150_000);
});
