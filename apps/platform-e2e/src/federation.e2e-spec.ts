import { GridexClient, Job, JobSpec } from '@gridex/sdk';
import { createEvent, NetworkOffersObserved, topicForInstance, uuidv7 } from '@gridex/contracts';
import {
  eventually,
  ExchangeUnderTest,
  Tenant,
  testInstance,
  uniqueSuffix,
  testPublisher,
} from '@gridex/testing';

/**
 * The aggregator role end to end: two whole exchanges on one stack, each on its own GRIDEX_INSTANCE. Exchange A
 * has no GPUs of its own; exchange B sells two 8 × H100 nodes. A's orchestrator holds B as a network (with the
 * key of a client account Gridex A keeps on B), so B's offers reach A's capacity feed and A's clients' jobs run
 * on B's cluster — metered and invoiced by A at A's price, owed to B at B's price — and follow the job's life
 * there: cancelled on A is cancelled on B, and a B that goes dark mid-run fails the job over on A.
 */
const H100 = 'NVIDIA-H100-80GB-HBM3';
const IMAGE = 'registry.gridex.io/e2e/worker:1';
/** B's take on its suppliers' asks, and A's fee on B's price (both stated in the test, both defaults). */
const B_TAKE_BPS = 1500;
const A_FEE_BPS = 1000;

const micros = (amount: string): bigint => {
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return amount.startsWith('-') ? -value : value;
};
/** What `gpuSeconds` cost at `pricePerGpuHour`, rounded up to the micro-unit. */
const costOf = (gpuSeconds: number, pricePerGpuHour: string): bigint =>
  (BigInt(gpuSeconds) * micros(pricePerGpuHour) + 3599n) / 3600n;
/**
 * Billing rounds each accrual up to the micro-unit, so a run metered in several accruals comes to the exact cost
 * plus at most a few micro-units; each exchange rounds its own accruals.
 */
const expectCost = (amount: bigint, exact: bigint) => {
  expect(amount - exact).toBeGreaterThanOrEqual(-10n);
  expect(amount - exact).toBeLessThanOrEqual(10n);
};

describe('routing a job to another compute network (the aggregator role)', () => {
  const suffix = uniqueSuffix()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(-6);
  const region = `eu-b${suffix}`;
  const [instanceA, instanceB] = [testInstance('fa'), testInstance('fb')];
  const peer = new ExchangeUnderTest(instanceB, {
    operatorKey: `gdx_operator_${'b'.repeat(40)}`,
    instance: instanceB,
    env: {
      matching: { MATCHING_QUEUE_INTERVAL_MS: '250', MATCHING_TAKE_RATE_BPS: String(B_TAKE_BPS) },
      orchestrator: { STOP_GRACE_SECONDS: '1' },
    },
  });
  let home: ExchangeUnderTest;
  let supplier: Tenant;
  /** Gridex A's client account on B: the credentials A's orchestrator holds for the network. */
  let account: Tenant;
  let client: GridexClient;

  const gang = (patch: Partial<JobSpec> = {}): JobSpec => ({
    image: IMAGE,
    command: ['train', '--epochs', '1'],
    gpusPerNode: 8,
    nodes: 2,
    gpuProducts: [H100],
    regions: [region],
    maxPricePerGpuHour: '5.00',
    expectedDurationSeconds: 600,
    ...patch,
  });
  /** The job B runs for A's job: placed under A's account with A's job in its name. */
  const onPeer = async (jobId: string): Promise<Job> =>
    eventually(async () => {
      const { items } = await account.api.jobs({ limit: 100 });
      const job = items.find((j) => j.name === `gridex-${jobId}`);
      expect(job).toBeDefined();
      return job as Job;
    }, 60_000);
  const until = (api: GridexClient, jobId: string, status: string, timeoutMs = 90_000) =>
    eventually(async () => {
      const job = await api.job(jobId);
      // The whole job on a miss: its reason and timeline say what happened instead.
      expect({ status: job.status, reason: job.reason, timeline: job.timeline }).toMatchObject({ status });
      return job;
    }, timeoutMs);

  beforeAll(async () => {
    await peer.start();
    supplier = await peer.supplier('Peer Racks', 'datacenter', region);
    await peer.addPool(supplier, { pool: 'h100', region, gpuProduct: H100, gpusPerNode: 8, count: 2 });
    await supplier.api.declareOffer('h100', { pricePerGpuHour: '2.00' });
    await peer.untilSellable(supplier);
    account = await peer.client('Gridex A (aggregator)', '1000.00');

    home = new ExchangeUnderTest(instanceA, {
      operatorKey: `gdx_operator_${'a'.repeat(40)}`,
      instance: instanceA,
      env: {
        // Invoices per minute, so the job's invoice is issued within the test.
        billing: { BILLING_INVOICE_PERIOD: 'minute', BILLING_INVOICE_CHECK_SECONDS: '1' },
        matching: { MATCHING_QUEUE_INTERVAL_MS: '250' },
        orchestrator: {
          NETWORKS: JSON.stringify([
            peer.asNetwork('peer-b', account, {
              feeBps: A_FEE_BPS,
              offersMaxAgeSeconds: 5,
            }),
          ]),
          NETWORK_OFFERS_REFRESH_SECONDS: '1',
          NETWORK_STATUS_POLL_MS: '500',
          NETWORK_SILENCE_LIMIT_SECONDS: '5',
          STOP_GRACE_SECONDS: '1',
        },
      },
    });
    await home.start();
    client = (await home.client('Acme AI', '1000.00')).api;
  }, 420_000);

  afterAll(async () => {
    await home?.stop();
    await peer.stop(supplier ? [supplier] : []);
  });

  it("runs a gang A cannot hold on B's cluster, bills it at A's price and owes B what B charged", async () => {
    // B's offers reach A's capacity feed: A's clients see B's H100s at B's price plus A's fee.
    const quote = await eventually(async () => {
      const answer = await client.quote(gang());
      expect(answer.feasible).toBe(true);
      return answer;
    }, 60_000);
    // 2.00 ask + B's 15 % = 2.30 owed to B per GPU-hour; + A's 10 % = 2.53 paid by A's client.
    expect(quote.offers[0]).toMatchObject({ pricePerGpuHour: '2.53' });

    const { id } = await client.submitJob(
      gang({ annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '6s' } }),
    );
    const running = await until(client, id, 'running');
    expect(running.pricePerGpuHour).toBe('2.53');
    expect(running.allocation?.nodes).toHaveLength(2);
    expect(running.allocation?.nodes.every((n) => n.network === 'peer-b')).toBe(true);
    const there = await onPeer(id);
    expect(there.pricePerGpuHour).toBe('2.30');

    const done = await until(client, id, 'succeeded');
    // B was asked about the job every half second while it ran: each change is reported once all the same.
    expect(done.timeline.map((t) => t.event).filter((e) => e !== 'unmatched')).toEqual([
      'submitted',
      'matched',
      'running',
      'succeeded',
    ]);
    await until(account.api, there.id, 'succeeded');

    // A's client is metered at A's price, for the seconds B ran the gang.
    const [used] = await eventually(async () => {
      const page = await client.usage({ jobId: id });
      expect(page.items).toHaveLength(1);
      return page.items;
    }, 60_000);
    expect(used.gpuSeconds % 16).toBe(0);
    expect(used.gpuSeconds).toBeGreaterThan(0);
    expectCost(micros(used.amount), costOf(used.gpuSeconds, '2.53'));
    // B metered the same seconds for A's account at B's price: that is what A owes B, in A's payable to B.
    const [charged] = await eventually(async () => {
      const page = await account.api.usage({ jobId: there.id });
      expect(page.items).toHaveLength(1);
      return page.items;
    }, 60_000);
    expect(charged.gpuSeconds).toBe(used.gpuSeconds);
    expectCost(micros(charged.amount), costOf(used.gpuSeconds, '2.30'));

    const financeOf = async (exchange: ExchangeUnderTest) => {
      const { key } = await exchange.operator.createApiKey('gridex', 'finance');
      return new GridexClient({ baseUrl: exchange.gatewayUrl, apiKey: key });
    };
    const aFinance = await financeOf(home);
    const trial = await eventually(async () => {
      const balance = await aFinance.trialBalance();
      const payable = balance.accounts.find((a) => a.account === 'supplier:network:peer-b:payable');
      expect(payable).toBeDefined();
      return { balance, payable: payable as { balance: string } };
    }, 60_000);
    expect(trial.balance.balanced).toBe(true);
    const owed = micros(trial.payable.balance);
    expectCost(owed < 0n ? -owed : owed, micros(charged.amount));
    expect((await (await financeOf(peer)).trialBalance()).balanced).toBe(true);

    // A's orchestrator reads what B charged once B has settled, and A's finance reconciles it, job by job.
    const line = await eventually(async () => {
      const report = await aFinance.networkReconciliation({ networkId: 'peer-b' });
      const mine = report.items.find((item) => item.jobId === id);
      expect(mine).toBeDefined();
      return mine as Record<string, unknown>;
    }, 60_000);
    expect(line).toMatchObject({
      externalJobId: there.id,
      gpuSeconds: { metered: used.gpuSeconds, charged: used.gpuSeconds },
      charged: charged.amount,
      status: expect.stringMatching(/^(matches|rounding)$/),
    });
    // Operators see the network's activity: everything A ran went to B, and what B charged.
    const [network] = (await home.operator.networks()).items as unknown as Array<Record<string, unknown>>;
    expect(network).toMatchObject({ id: 'peer-b', breaker: 'closed', placed: 1, routedShareBps: 10_000 });
    expect(micros(network.charged as string)).toBe(micros(charged.amount));

    // A invoices its client for the job at A's price, like any job.
    const invoice = await eventually(async () => {
      const page = await client.invoices();
      expect(page.items).toHaveLength(1);
      return client.invoice(page.items[0].invoiceId);
    }, 90_000);
    expect(invoice.lines).toEqual([
      expect.objectContaining({ jobId: id, unitPricePerGpuHour: '2.53', amount: used.amount }),
    ]);
  }, 300_000);

  it('cancels on B what its client cancels on A', async () => {
    const { id } = await client.submitJob(gang());
    await until(client, id, 'running');
    const there = await onPeer(id);
    await until(account.api, there.id, 'running');
    await client.cancelJob(id);
    await until(client, id, 'cancelled');
    await until(account.api, there.id, 'cancelled', 60_000);
  }, 240_000);

  it('withdraws the offers of a network nobody observes again in time', async () => {
    // As an orchestrator would tell A's inventory of a network, once, and then stop (it was shut down).
    const ghostRegion = `eu-g${suffix}`;
    const producer = testPublisher();
    const observation = {
      networkId: 'ghost',
      observedAt: new Date().toISOString(),
      validUntil: new Date(Date.now() + 3_000).toISOString(),
      routable: true,
      trust: 'trusted' as const,
      feeBps: 1000,
      offers: [
        {
          offerId: 'ghost/h100-1',
          region: ghostRegion,
          gpuProduct: H100,
          gpuMemoryMiB: 81_920,
          gpusPerNode: 8,
          nodes: 1,
          interconnect: 'nvlink' as const,
          pricePerGpuHour: { currency: 'USD', micros: '2000000' },
          reliabilityBasisPoints: 9_900,
        },
      ],
    };
    await producer.send(topicForInstance(NetworkOffersObserved.topic, instanceA), [
      {
        key: NetworkOffersObserved.partitionKey(observation),
        value: JSON.stringify(
          createEvent(NetworkOffersObserved, observation, { correlationId: uuidv7(), causationId: null }),
        ),
      },
    ]);
    await producer.close();
    const ghostJob = gang({ nodes: 1, regions: [ghostRegion] });
    const offered = await eventually(async () => {
      const quote = await client.quote(ghostJob);
      expect(quote.feasible).toBe(true);
      return quote;
    }, 30_000);
    expect(offered.offers[0]).toMatchObject({ network: 'ghost', region: ghostRegion });
    // Nobody observes it again: once its observation runs out, its capacity leaves A's book.
    await eventually(async () => expect((await client.quote(ghostJob)).feasible).toBe(false), 30_000);
  }, 120_000);

  it('fails a job over when B goes dark mid-run, and queues it with the reason while nothing else fits', async () => {
    const { id } = await client.submitJob(gang({ retryBudget: 2 }));
    await until(client, id, 'running');
    const gateway = peer.services.find((service) => service.url === peer.gatewayUrl);
    await gateway?.process.kill();
    // A stops hearing about the job: after the silence limit it is lost on B's nodes and placed again; B's
    // offers age out of A's feed meanwhile, so nothing fits and it waits, saying why.
    const queued = await until(client, id, 'queued', 120_000);
    expect(queued.timeline.map((t) => t.event)).toEqual(expect.arrayContaining(['running', 'failed']));
    expect(queued.reason).toBeTruthy();
  }, 240_000);
});
