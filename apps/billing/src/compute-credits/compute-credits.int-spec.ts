import {
  ComputeCreditExpiredPayload,
  ComputeCreditPurchasedPayload,
  ComputeCreditTransferredPayload,
  createEvent,
  deterministicUuid,
  EventContract,
  EventEnvelope,
  HoldPlacedPayload,
  IdNamespaces,
  JobMatched,
  JobMatchedPayload,
  Topics,
  UsageSettledPayload,
  uuidv7,
  WorkloadFinished,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  dropSchema,
  eventually,
  launchService,
  LaunchedService,
  queryStack,
  testKafka,
  TopicRecorder,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import { supplierShareMicros } from '../domain/money-rules';

/**
 * Compute credits against the real Kafka and PostgreSQL, through billing's HTTP API and events: a supplier
 * commits capacity, clients buy and transfer credits, the test plays matching and the orchestrator for the jobs
 * that draw on them. Each test has tenants and a supplier of its own.
 */
const suffix = uniqueSuffix();
const usd = (micros: string) => ({ currency: 'USD', micros });
const H100 = 'NVIDIA-H100-80GB-HBM3';
const ASK = 2_100_000n;
const PRICE = 2_415_600n; // ask + 15 %, rounded up to 671 micro-units per GPU-second
const HOUR = 3600;
const value = (gpuSeconds: number) => (PRICE / 3600n) * BigInt(gpuSeconds);

describe('billing: compute credits on the real stack', () => {
  const kafka = testKafka();
  let producer: MessagePublisher;
  let billing: LaunchedService;
  const recorders: Record<string, TopicRecorder> = {};
  const watched = [
    Topics.computeCreditPurchased,
    Topics.computeCreditTransferred,
    Topics.computeCreditExpired,
    Topics.holdPlaced,
    Topics.usageSettled,
  ];

  const send = async <T>(contract: EventContract<T>, payload: T, tenantId: string) => {
    const event = createEvent(contract, payload, { correlationId: uuidv7(), causationId: null, tenantId });
    await producer.send(contract.topic, [
      { key: contract.partitionKey(payload), value: JSON.stringify(event) },
    ]);
  };
  const recorded = <T>(topic: string, test: (payload: T) => boolean) =>
    recorders[topic].values<EventEnvelope<T>>().filter((e) => test(e.payload));
  const waitFor = <T>(topic: string, test: (payload: T) => boolean) =>
    recorders[topic].waitFor<EventEnvelope<T>>((e) => test(e.payload));
  const call = async (path: string, init: { method?: string; key?: string; body?: unknown } = {}) => {
    const response = await fetch(`${billing.url}/v1/${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(init.key ? { 'idempotency-key': init.key } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const topUp = async (tenantId: string, micros: bigint) => {
    const answer = await call(`tenants/${tenantId}/credits`, {
      method: 'POST',
      key: `key-${uuidv7()}`,
      body: { amount: usd(micros.toString()), paymentMethod: 'pm_test_visa' },
    });
    expect(answer.status).toBe(201);
  };
  const commit = async (supplierId: string, gpuSeconds: number, availableUntil: Date) => {
    const answer = await call(`suppliers/${supplierId}/commitments`, {
      method: 'POST',
      key: `key-${uuidv7()}`,
      body: { gpuProduct: H100, gpuSeconds, askPerGpuHour: usd(ASK.toString()), availableUntil },
    });
    expect(answer.status).toBe(201);
    return answer.body as { commitmentId: string };
  };
  const buy = (tenantId: string, key: string, body: Record<string, unknown>) =>
    call(`tenants/${tenantId}/compute-credits`, { method: 'POST', key, body });
  const balances = async (accounts: string[]) => {
    const rows = await queryStack<{ account: string; balance: string }>(
      `SELECT account, balance_micros::text AS balance FROM "${billing.schema}".ledger_balances
       WHERE account = ANY($1)`,
      [accounts],
    );
    return accounts.map((a) => BigInt(rows.find((r) => r.account === a)?.balance ?? 0));
  };
  const matched = (tenantId: string, supplierId: string, gpuProduct = H100): JobMatchedPayload => {
    const jobId = `job-${uuidv7()}`;
    return {
      jobId,
      tenantId,
      reservationId: deterministicUuid(IdNamespaces.reservation, jobId, 0),
      attempt: 0,
      tier: 'on-demand',
      expectedDurationSeconds: HOUR,
      allocations: [
        {
          nodeId: deterministicUuid(IdNamespaces.node, 'c', `n-${supplierId}`),
          clusterId: 'c',
          nodeName: `n-${supplierId}`,
          supplierId,
          region: 'eu-north',
          gpuProduct,
          gpus: 2,
          pricePerGpuHour: usd('3000000'),
          supplierPricePerGpuHour: usd('2600000'),
        },
      ],
      matchedAt: new Date().toISOString(),
      image: 'registry.gridex.io/test/train:1',
      command: ['train'],
    };
  };
  /** Runs a matched job for `seconds` of wall time and waits for its settlement. */
  const run = async (job: JobMatchedPayload, seconds: number) => {
    await send(JobMatched, job, job.tenantId);
    const hold = await waitFor<HoldPlacedPayload>(
      Topics.holdPlaced,
      (p) => p.reservationId === job.reservationId,
    );
    const startedAt = new Date(Date.now() - seconds * 1000);
    await send(
      WorkloadFinished,
      {
        jobId: job.jobId,
        reservationId: job.reservationId,
        workloadId: deterministicUuid(IdNamespaces.workload, job.jobId, job.reservationId),
        outcome: 'succeeded',
        startedAt: startedAt.toISOString(),
        finishedAt: new Date(startedAt.getTime() + seconds * 1000).toISOString(),
      },
      job.tenantId,
    );
    const settled = await waitFor<UsageSettledPayload>(
      Topics.usageSettled,
      (p) => p.reservationId === job.reservationId,
    );
    return { hold: hold.payload, settled: settled.payload };
  };

  beforeAll(async () => {
    producer = testPublisher(kafka);
    await Promise.all(
      watched.map(async (topic) => {
        recorders[topic] = await TopicRecorder.start(kafka, topic);
      }),
    );
    billing = await launchService('billing', {
      BILLING_TAKE_RATE_BPS: '1500',
      BILLING_CREDIT_EXPIRY_CHECK_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    await untilReady(billing);
  });

  afterAll(async () => {
    await billing?.process.kill();
    await Promise.all(Object.values(recorders).map((r) => r.stop()));
    await producer?.close();
    if (billing) await dropSchema(billing.schema);
  });

  it('sells committed capacity at a locked price, once per key, and refuses what cannot be served or paid', async () => {
    const supplier = `sup-sell-${suffix}`;
    const tenant = `t-buy-${suffix}`;
    await topUp(tenant, 500_000_000n);
    const { commitmentId } = await commit(supplier, 150 * HOUR, new Date(Date.now() + 86_400_000));

    const key = `key-${uuidv7()}`;
    const first = await buy(tenant, key, { gpuProduct: H100, gpuSeconds: 100 * HOUR, commitmentId });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      gpuProduct: H100,
      supplierId: supplier,
      pricePerGpuHour: usd(PRICE.toString()),
      balanceGpuSeconds: 100 * HOUR,
      availableGpuSeconds: 100 * HOUR,
      value: usd(value(100 * HOUR).toString()),
      status: 'active',
    });
    const again = await buy(tenant, key, { gpuProduct: H100, gpuSeconds: 100 * HOUR, commitmentId });
    expect(again.body).toEqual(first.body);
    const creditId = first.body.creditId as string;
    await waitFor<ComputeCreditPurchasedPayload>(
      Topics.computeCreditPurchased,
      (p) => p.creditId === creditId,
    );
    expect(
      await balances([`tenant:${tenant}:available`, `credit:${creditId}:holder:${tenant}:available`]),
    ).toEqual([500_000_000n - value(100 * HOUR), value(100 * HOUR)]);

    const reused = await buy(tenant, key, { gpuProduct: H100, gpuSeconds: HOUR, commitmentId });
    expect([reused.status, reused.body.code]).toEqual([422, 'COMPUTE_CREDIT.IDEMPOTENCY_KEY_REUSED']);
    // 50 GPU-hours are left of the 150 committed.
    const tooMuch = await buy(tenant, `key-${uuidv7()}`, {
      gpuProduct: H100,
      gpuSeconds: 51 * HOUR,
      commitmentId,
    });
    expect([tooMuch.status, tooMuch.body.code]).toEqual([409, 'COMPUTE_CREDIT.NO_COMMITTED_CAPACITY']);
    const capped = await buy(tenant, `key-${uuidv7()}`, {
      gpuProduct: H100,
      gpuSeconds: HOUR,
      commitmentId,
      maxPricePerGpuHour: usd((PRICE - 1n).toString()),
    });
    expect([capped.status, capped.body.code]).toEqual([409, 'COMPUTE_CREDIT.PRICE_ABOVE_CAP']);
    const poor = `t-poor-${suffix}`;
    const unpaid = await buy(poor, `key-${uuidv7()}`, { gpuProduct: H100, gpuSeconds: HOUR, commitmentId });
    expect([unpaid.status, unpaid.body.code]).toEqual([402, 'COMPUTE_CREDIT.INSUFFICIENT_FUNDS']);

    const commitments = await call(`suppliers/${supplier}/commitments`);
    expect(commitments.body.items).toEqual([
      expect.objectContaining({ commitmentId, gpuSeconds: 150 * HOUR, gpuSecondsSold: 100 * HOUR }),
    ]);
  });

  it('transfers part of a credit; jobs on its supplier draw on it before money, at the locked prices', async () => {
    const supplier = `sup-use-${suffix}`;
    const [buyer, receiver] = [`t-a-${suffix}`, `t-b-${suffix}`];
    await topUp(buyer, 500_000_000n);
    await topUp(receiver, 50_000_000n);
    await commit(supplier, 200 * HOUR, new Date(Date.now() + 86_400_000));
    const bought = await buy(buyer, `key-${uuidv7()}`, { gpuProduct: H100, gpuSeconds: 100 * HOUR });
    expect(bought.body.supplierId).toBe(supplier); // the only open H100 commitment with 100 GPU-hours left
    const creditId = bought.body.creditId as string;

    const transferKey = `key-${uuidv7()}`;
    const transfer = () =>
      call(`tenants/${buyer}/compute-credits/${creditId}/transfers`, {
        method: 'POST',
        key: transferKey,
        body: { toTenantId: receiver, gpuSeconds: 40 * HOUR },
      });
    // The same transfer twice at once moves 40 GPU-hours once.
    const [t1, t2] = await Promise.all([transfer(), transfer()]);
    expect([t1.status, t2.status]).toEqual([201, 201]);
    expect(t2.body.transferId).toBe(t1.body.transferId);
    await waitFor<ComputeCreditTransferredPayload>(
      Topics.computeCreditTransferred,
      (p) => p.transferId === t1.body.transferId,
    );
    const overdrawn = await call(`tenants/${buyer}/compute-credits/${creditId}/transfers`, {
      method: 'POST',
      key: `key-${uuidv7()}`,
      body: { toTenantId: receiver, gpuSeconds: 61 * HOUR },
    });
    expect([overdrawn.status, overdrawn.body.code]).toEqual([422, 'COMPUTE_CREDIT.INSUFFICIENT_BALANCE']);
    const notHeld = await call(`tenants/t-stranger-${suffix}/compute-credits/${creditId}`);
    expect(notHeld.status).toBe(404);

    // The receiver runs two GPUs for 30 minutes on the credit's supplier: 1 GPU-hour from its 40.
    const job = matched(receiver, supplier);
    const { hold, settled } = await run(job, 1800);
    expect(hold.computeCreditId).toBe(creditId);
    expect(settled).toMatchObject({
      computeCreditId: creditId,
      gpuSeconds: HOUR,
      chargedMicros: value(HOUR).toString(),
      supplierShares: [
        expect.objectContaining({
          supplierId: supplier,
          amountMicros: supplierShareMicros(ASK, HOUR).toString(),
        }),
      ],
    });
    const receiverView = await call(`tenants/${receiver}/compute-credits/${creditId}`);
    expect(receiverView.body).toMatchObject({ balanceGpuSeconds: 39 * HOUR, reservedGpuSeconds: 0 });
    const buyerView = await call(`tenants/${buyer}/compute-credits`);
    expect(buyerView.body.items).toEqual([
      expect.objectContaining({ creditId, balanceGpuSeconds: 60 * HOUR }),
    ]);
    // Its money was not touched; the supplier earned its locked ask, the platform the rest.
    expect(await balances([`tenant:${receiver}:available`, `tenant:${receiver}:held`])).toEqual([
      50_000_000n,
      0n,
    ]);

    // Another GPU product is not the credit's: money pays, at the market price.
    const a100 = matched(receiver, supplier, 'NVIDIA-A100-SXM4-80GB');
    const other = await run(a100, 60);
    expect(other.hold.computeCreditId).toBeUndefined();
    expect(other.settled.computeCreditId).toBeUndefined();
    expect((await balances([`tenant:${receiver}:available`]))[0]).toBeLessThan(50_000_000n);
  });

  it('forfeits what a holder left unused when the credit expires, once', async () => {
    const supplier = `sup-lapse-${suffix}`;
    const tenant = `t-lapse-${suffix}`;
    await topUp(tenant, 50_000_000n);
    const { commitmentId } = await commit(supplier, 10 * HOUR, new Date(Date.now() + 4000));
    const bought = await buy(tenant, `key-${uuidv7()}`, {
      gpuProduct: H100,
      gpuSeconds: 2 * HOUR,
      commitmentId,
    });
    const creditId = bought.body.creditId as string;
    const expired = await waitFor<ComputeCreditExpiredPayload>(
      Topics.computeCreditExpired,
      (p) => p.creditId === creditId,
    );
    expect(expired.payload).toMatchObject({
      tenantId: tenant,
      gpuSeconds: 2 * HOUR,
      amount: usd(value(2 * HOUR).toString()),
    });
    const view = await call(`tenants/${tenant}/compute-credits/${creditId}`);
    expect(view.body).toMatchObject({ balanceGpuSeconds: 0, status: 'expired' });
    // Several more passes run; none forfeits anything again.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(
      recorded<ComputeCreditExpiredPayload>(Topics.computeCreditExpired, (p) => p.creditId === creditId),
    ).toHaveLength(1);
    const [breakage] = await queryStack<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${billing.schema}".ledger_transactions
       WHERE kind = 'compute-credit-expiry' AND reference LIKE $1`,
      [`${creditId}:%`],
    );
    expect(breakage.n).toBe('1');
    // An expired commitment sells nothing more.
    await eventually(async () => {
      const late = await buy(tenant, `key-${uuidv7()}`, { gpuProduct: H100, gpuSeconds: HOUR, commitmentId });
      expect(late.status).toBe(409);
    });
  });
});
