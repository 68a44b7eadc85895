import {
  createEvent,
  CreditExhaustedPayload,
  deterministicUuid,
  EventContract,
  EventEnvelope,
  HoldPlacedPayload,
  HoldRejectedPayload,
  IdNamespaces,
  InvoiceIssuedPayload,
  JobMatched,
  JobMatchedPayload,
  PayoutRequested,
  PayoutRequestedPayload,
  PayoutSettledPayload,
  Topics,
  UsageRecordedPayload,
  UsageSettledPayload,
  uuidv7,
  WorkloadFinished,
  WorkloadFinishedPayload,
  WorkloadStarted,
  WorkloadStartedPayload,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  dropSchema,
  launchService,
  LaunchedService,
  queryStack,
  testKafka,
  TopicRecorder,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import { chargeMicros, supplierShareMicros } from './domain/money-rules';

/**
 * Billing against the real Kafka and PostgreSQL, through its HTTP API and events: the test plays matching
 * (job-matched) and the orchestrator (workload started and finished). Each test has tenants of its own.
 */
const suffix = uniqueSuffix();
const usd = (micros: string) => ({ currency: 'USD', micros });
const PRICE = 2_300_000n; // client price per GPU-hour
const ASK = 2_000_000n; // supplier's ask per GPU-hour

function matched(tenantId: string, patch: Partial<JobMatchedPayload> = {}): JobMatchedPayload {
  const jobId = `job-${uuidv7()}`;
  return {
    jobId,
    tenantId,
    reservationId: deterministicUuid(IdNamespaces.reservation, jobId, 0),
    attempt: 0,
    tier: 'on-demand',
    expectedDurationSeconds: 3600,
    allocations: [
      {
        nodeId: deterministicUuid(IdNamespaces.node, 'c', `n-${suffix}`),
        clusterId: 'c',
        nodeName: `n-${suffix}`,
        supplierId: `sup-${suffix}`,
        region: 'eu-north',
        gpuProduct: 'H100-SXM5-80GB',
        gpus: 8,
        pricePerGpuHour: usd(PRICE.toString()),
        supplierPricePerGpuHour: usd(ASK.toString()),
      },
    ],
    matchedAt: new Date().toISOString(),
    image: 'registry.gridex.io/test/train:1',
    command: ['train'],
    ...patch,
  };
}

type Recorded<T> = EventEnvelope<T>;

describe('billing: holds, per-second metering, settlement, credits and invoices on the real stack', () => {
  const kafka = testKafka();
  let producer: MessagePublisher;
  let billing: LaunchedService;
  const recorders: Record<string, TopicRecorder> = {};
  const watched = [
    Topics.holdPlaced,
    Topics.holdRejected,
    Topics.usageRecorded,
    Topics.usageSettled,
    Topics.creditExhausted,
    Topics.invoiceIssued,
    Topics.creditAdded,
    Topics.payoutSettled,
  ];

  const send = async <T>(contract: EventContract<T>, payload: T, tenantId: string, times = 1) => {
    const event = createEvent(contract, payload, { correlationId: uuidv7(), causationId: null, tenantId });
    const message = { key: contract.partitionKey(payload), value: JSON.stringify(event) };
    await producer.send(
      contract.topic,
      Array.from({ length: times }, () => message),
    );
  };
  const waitFor = <T>(topic: string, test: (payload: T) => boolean, timeoutMs?: number) =>
    recorders[topic].waitFor<Recorded<T>>((e) => test(e.payload), timeoutMs);
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${billing.url}/v1/tenants/${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  const topUp = async (tenantId: string, micros: bigint, key = `key-${uuidv7()}`) => {
    const response = await api(`${tenantId}/credits`, {
      method: 'POST',
      headers: { 'idempotency-key': key },
      body: JSON.stringify({ amount: usd(micros.toString()), paymentMethod: 'pm_test_visa' }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { topUpId: string };
  };
  const balances = async (accounts: string[]) => {
    const rows = await queryStack<{ account: string; balance: string }>(
      `SELECT account, sum(amount_micros)::text AS balance FROM "${billing.schema}".ledger_postings
       WHERE account = ANY($1) GROUP BY account`,
      [accounts],
    );
    return Object.fromEntries(
      accounts.map((a) => [a, BigInt(rows.find((r) => r.account === a)?.balance ?? 0)]),
    );
  };

  beforeAll(async () => {
    producer = testPublisher(kafka);
    await Promise.all(
      watched.map(async (topic) => {
        recorders[topic] = await TopicRecorder.start(kafka, topic);
      }),
    );
    billing = await launchService('billing', {
      BILLING_ACCRUAL_INTERVAL_SECONDS: '1',
      BILLING_EXHAUSTION_HORIZON_SECONDS: '30',
      BILLING_INVOICE_PERIOD: 'minute',
      BILLING_INVOICE_CHECK_SECONDS: '1',
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

  it('tops up once per idempotency key, refuses a reused key with another body, and declines bad cards', async () => {
    const tenant = `t-credit-${suffix}`;
    const key = `key-${uuidv7()}`;
    const first = await topUp(tenant, 50_000_000n, key);
    const again = await topUp(tenant, 50_000_000n, key);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ amount: usd('50000000'), availableAfterMicros: '50000000' });
    await waitFor(Topics.creditAdded, (p: { topUpId: string }) => p.topUpId === first.topUpId);

    const reused = await api(`${tenant}/credits`, {
      method: 'POST',
      headers: { 'idempotency-key': key },
      body: JSON.stringify({ amount: usd('1'), paymentMethod: 'pm_test_visa' }),
    });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await reused.json()).toMatchObject({ code: 'BILLING.IDEMPOTENCY_KEY_REUSED' });

    const declined = await api(`${tenant}/credits`, {
      method: 'POST',
      headers: { 'idempotency-key': `key-${uuidv7()}` },
      body: JSON.stringify({ amount: usd('1000000'), paymentMethod: 'pm_test_declined' }),
    });
    expect(declined.status).toBe(402);
    expect(await declined.json()).toMatchObject({ code: 'BILLING.PAYMENT_DECLINED' });

    const noKey = await api(`${tenant}/credits`, {
      method: 'POST',
      body: JSON.stringify({ amount: usd('1000000'), paymentMethod: 'pm_test_visa' }),
    });
    expect(noKey.status).toBe(400);
    const badBody = await api(`${tenant}/credits`, {
      method: 'POST',
      headers: { 'idempotency-key': `key-${uuidv7()}` },
      body: JSON.stringify({
        amount: { currency: 'USD', micros: '1.5' },
        paymentMethod: 'pm_test_visa',
        tip: 1,
      }),
    });
    expect(badBody.status).toBe(400);
    const problem = (await badBody.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['amount.micros', 'body']);

    const balance = await (await api(`${tenant}/balance`)).json();
    expect(balance).toMatchObject({ available: usd('50000000'), held: usd('0') });
  });

  it('keeps balances exact under concurrency: no lost top-up, no credit held twice', async () => {
    const tenant = `t-race-${suffix}`;
    const keys = Array.from({ length: 25 }, () => `key-${uuidv7()}`);
    // 25 top-ups at once, the first five of them sent twice at the same moment.
    await Promise.all([...keys, ...keys.slice(0, 5)].map((key) => topUp(tenant, 1_000_000n, key)));
    expect(await balances([`tenant:${tenant}:available`])).toEqual({
      [`tenant:${tenant}:available`]: 25_000_000n,
    });
    // Five jobs needing 22.08 each against 25.00: exactly one hold fits.
    const jobs = Array.from({ length: 5 }, () => matched(tenant));
    await Promise.all(jobs.map((job) => send(JobMatched, job, tenant)));
    const outcomes = await Promise.all(
      jobs.map((job) =>
        Promise.race([
          waitFor(Topics.holdPlaced, (p: HoldPlacedPayload) => p.reservationId === job.reservationId).then(
            () => 'placed',
          ),
          waitFor(
            Topics.holdRejected,
            (p: HoldRejectedPayload) => p.reservationId === job.reservationId,
          ).then(() => 'rejected'),
        ]),
      ),
    );
    expect(outcomes.sort()).toEqual(['placed', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(await balances([`tenant:${tenant}:available`, `tenant:${tenant}:held`])).toEqual({
      [`tenant:${tenant}:available`]: 25_000_000n - 22_080_000n,
      [`tenant:${tenant}:held`]: 22_080_000n,
    });
    // The maintained balances are exactly the sums of the postings, for every account.
    const drift = await queryStack(
      `SELECT b.account FROM "${billing.schema}".ledger_balances b
       FULL JOIN (SELECT account, sum(amount_micros) AS total FROM "${billing.schema}".ledger_postings GROUP BY account) p
         ON p.account = b.account
       WHERE b.balance_micros IS DISTINCT FROM p.total`,
    );
    expect(drift).toEqual([]);
  });

  it('holds on match, accrues while running, settles at the end: charge, earnings and revenue balance', async () => {
    const tenant = `t-flow-${suffix}`;
    await topUp(tenant, 100_000_000n);
    const job = matched(tenant);
    await send(JobMatched, job, tenant);
    const hold = await waitFor(
      Topics.holdPlaced,
      (p: HoldPlacedPayload) => p.reservationId === job.reservationId,
    );
    // 8 GPUs × 2.30 × 1 h × 1.2 (the default 20 % margin)
    expect(hold.payload.amount).toEqual(usd('22080000'));

    const startedAt = new Date(Date.now() - 5_000);
    const started: WorkloadStartedPayload = {
      jobId: job.jobId,
      reservationId: job.reservationId,
      workloadId: uuidv7(),
      startedAt: startedAt.toISOString(),
    };
    await send(WorkloadStarted, started, tenant);
    const accrual = await waitFor(
      Topics.usageRecorded,
      (p: UsageRecordedPayload) => p.reservationId === job.reservationId && !p.final,
    );
    expect(BigInt(accrual.payload.chargedMicros) > 0n).toBe(true);
    expect(accrual.payload.fromHeldMicros).toBe(accrual.payload.chargedMicros);

    const finishedAt = new Date(startedAt.getTime() + 90_500); // 90.5 s → 91 started seconds
    await send(
      WorkloadFinished,
      {
        jobId: job.jobId,
        reservationId: job.reservationId,
        workloadId: started.workloadId,
        outcome: 'succeeded',
        startedAt: started.startedAt,
        finishedAt: finishedAt.toISOString(),
      } satisfies WorkloadFinishedPayload,
      tenant,
    );
    const settled = await waitFor(
      Topics.usageSettled,
      (p: UsageSettledPayload) => p.reservationId === job.reservationId,
    );
    const charged = chargeMicros(PRICE, 8 * 91);
    const earned = supplierShareMicros(ASK, 8 * 91);
    expect(settled.payload).toMatchObject({
      tenantId: tenant,
      gpuSeconds: 8 * 91,
      chargedMicros: charged.toString(),
      supplierShares: [expect.objectContaining({ gpuSeconds: 8 * 91, amountMicros: earned.toString() })],
      platformRevenueMicros: (charged - earned).toString(),
    });
    expect(
      await balances([
        `tenant:${tenant}:available`,
        `tenant:${tenant}:held`,
        `supplier:sup-${suffix}:payable`,
      ]),
    ).toEqual({
      [`tenant:${tenant}:available`]: 100_000_000n - charged,
      [`tenant:${tenant}:held`]: 0n,
      [`supplier:sup-${suffix}:payable`]: expect.any(BigInt),
    });
    const [{ total }] = await queryStack<{ total: string }>(
      `SELECT coalesce(sum(amount_micros), 0)::text AS total FROM "${billing.schema}".ledger_postings`,
    );
    expect(total).toBe('0');
  });

  it("pays a supplier's claim out of its payable once, and reverses one the provider refuses", async () => {
    /** One finished job on a node of `supplierId`; returns what the supplier earned. */
    const earn = async (supplierId: string) => {
      const tenant = `t-payout-${uuidv7()}`;
      await topUp(tenant, 100_000_000n);
      const base = matched(tenant);
      const job = matched(tenant, { allocations: [{ ...base.allocations[0], supplierId }] });
      await send(JobMatched, job, tenant);
      await waitFor(Topics.holdPlaced, (p: HoldPlacedPayload) => p.reservationId === job.reservationId);
      const startedAt = new Date(Date.now() - 60_000);
      const workloadId = uuidv7();
      const at = { jobId: job.jobId, reservationId: job.reservationId, workloadId };
      await send(WorkloadStarted, { ...at, startedAt: startedAt.toISOString() }, tenant);
      await send(
        WorkloadFinished,
        {
          ...at,
          outcome: 'succeeded',
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
        },
        tenant,
      );
      const settled = await waitFor(
        Topics.usageSettled,
        (p: UsageSettledPayload) => p.reservationId === job.reservationId,
      );
      return BigInt(settled.payload.supplierShares[0].amountMicros);
    };
    const payable = (supplierId: string) => `supplier:${supplierId}:payable`;
    const inFlight = (supplierId: string) => `supplier:${supplierId}:payouts-in-flight`;
    const claim = (supplierId: string, micros: bigint): PayoutRequestedPayload => ({
      payoutId: uuidv7(),
      supplierId,
      earnings: usd(micros.toString()),
      tokenUnits: '0',
      earningsPaidTotalMicros: micros.toString(),
      tokenUnitsPaidTotal: '0',
      requestedAt: new Date().toISOString(),
    });

    const paidSupplier = `sup-paid-${suffix}`;
    const earned = await earn(paidSupplier);
    const clearingBefore = (await balances(['platform:payouts-clearing']))['platform:payouts-clearing'];
    const request = claim(paidSupplier, earned);
    await send(PayoutRequested, request, paidSupplier, 3); // delivered three times
    const paid = await waitFor(
      Topics.payoutSettled,
      (p: PayoutSettledPayload) => p.payoutId === request.payoutId,
    );
    expect(paid.payload).toMatchObject({ outcome: 'paid', earnings: usd(earned.toString()), reason: null });
    expect(paid.payload.providerReference).toMatch(/^test_po_/);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // room for a wrong second payout to show
    expect(
      await balances([payable(paidSupplier), inFlight(paidSupplier), 'platform:payouts-clearing']),
    ).toEqual({
      [payable(paidSupplier)]: 0n,
      [inFlight(paidSupplier)]: 0n,
      'platform:payouts-clearing': clearingBefore + earned,
    });
    expect(
      recorders[Topics.payoutSettled]
        .values<Recorded<PayoutSettledPayload>>()
        .filter((e) => e.payload.payoutId === request.payoutId),
    ).toHaveLength(1);

    // The test provider refuses suppliers named "unpayable": the money goes back to the payable.
    const refusedSupplier = `sup-unpayable-${suffix}`;
    const owed = await earn(refusedSupplier);
    const refusedRequest = claim(refusedSupplier, owed);
    await send(PayoutRequested, refusedRequest, refusedSupplier);
    const refused = await waitFor(
      Topics.payoutSettled,
      (p: PayoutSettledPayload) => p.payoutId === refusedRequest.payoutId,
    );
    expect(refused.payload).toMatchObject({ outcome: 'failed', reason: 'no payout account on file' });
    expect(await balances([payable(refusedSupplier), inFlight(refusedSupplier)])).toEqual({
      [payable(refusedSupplier)]: owed,
      [inFlight(refusedSupplier)]: 0n,
    });

    // More than the payable holds: refused before any money moves.
    const tooMuch = claim(refusedSupplier, owed + 1n);
    await send(PayoutRequested, tooMuch, refusedSupplier);
    const uncovered = await waitFor(
      Topics.payoutSettled,
      (p: PayoutSettledPayload) => p.payoutId === tooMuch.payoutId,
    );
    expect(uncovered.payload).toMatchObject({ outcome: 'failed', ledgerTransactionId: null });
    expect(uncovered.payload.reason).toMatch(/less than/);
  });

  it('rejects the hold when the tenant cannot cover it, and moves no money', async () => {
    const tenant = `t-poor-${suffix}`;
    await topUp(tenant, 1_000_000n);
    const job = matched(tenant);
    await send(JobMatched, job, tenant);
    const rejected = await waitFor(
      Topics.holdRejected,
      (p: HoldRejectedPayload) => p.reservationId === job.reservationId,
    );
    expect(rejected.payload).toMatchObject({ required: usd('22080000'), fundsMicros: '1000000' });
    expect(await balances([`tenant:${tenant}:available`, `tenant:${tenant}:held`])).toEqual({
      [`tenant:${tenant}:available`]: 1_000_000n,
      [`tenant:${tenant}:held`]: 0n,
    });
  });

  it('stops running work when the funds run out mid-run', async () => {
    const tenant = `t-short-${suffix}`;
    // Enough for the hold of a 60 s job (8 × 2.30 × 60/3600 × 1.2 = 0.368), not for the next 30 s beyond it.
    await topUp(tenant, 400_000n);
    const job = matched(tenant, { expectedDurationSeconds: 60 });
    await send(JobMatched, job, tenant);
    await waitFor(Topics.holdPlaced, (p: HoldPlacedPayload) => p.reservationId === job.reservationId);
    await send(
      WorkloadStarted,
      {
        jobId: job.jobId,
        reservationId: job.reservationId,
        workloadId: uuidv7(),
        startedAt: new Date(Date.now() - 55_000).toISOString(),
      },
      tenant,
    );
    const stop = await waitFor(
      Topics.creditExhausted,
      (p: CreditExhaustedPayload) => p.reservationId === job.reservationId,
    );
    expect(stop.payload).toMatchObject({ tenantId: tenant, jobId: job.jobId });
  });

  it('gives the same ledger whatever the order and however often events arrive', async () => {
    const tenant = `t-chaos-${suffix}`;
    await topUp(tenant, 100_000_000n);
    const job = matched(tenant);
    const startedAt = new Date(Date.now() - 60_000);
    const workloadId = uuidv7();
    // The end first, twice; then the prices, twice; then a start that arrives after the end.
    const finished: WorkloadFinishedPayload = {
      jobId: job.jobId,
      reservationId: job.reservationId,
      workloadId,
      outcome: 'failed',
      reason: 'error',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(startedAt.getTime() + 30_000).toISOString(),
    };
    await send(WorkloadFinished, finished, tenant, 2);
    await send(JobMatched, job, tenant, 2);
    await send(
      WorkloadStarted,
      { jobId: job.jobId, reservationId: job.reservationId, workloadId, startedAt: startedAt.toISOString() },
      tenant,
    );
    const settled = await waitFor(
      Topics.usageSettled,
      (p: UsageSettledPayload) => p.reservationId === job.reservationId,
    );
    const charged = chargeMicros(PRICE, 8 * 30);
    expect(settled.payload.chargedMicros).toBe(charged.toString());
    await new Promise((resolve) => setTimeout(resolve, 2000)); // room for any wrong second effect to show
    expect(
      recorders[Topics.usageSettled]
        .values<Recorded<UsageSettledPayload>>()
        .filter((e) => e.payload.reservationId === job.reservationId),
    ).toHaveLength(1);
    expect(await balances([`tenant:${tenant}:available`, `tenant:${tenant}:held`])).toEqual({
      [`tenant:${tenant}:available`]: 100_000_000n - charged,
      [`tenant:${tenant}:held`]: 0n,
    });
  });

  it("issues each tenant's invoice for the closed period: lines = settlements = ledger, as JSON and CSV", async () => {
    const tenant = `t-invoice-${suffix}`;
    await topUp(tenant, 100_000_000n);
    const jobs = [matched(tenant), matched(tenant)];
    for (const [index, job] of jobs.entries()) {
      const startedAt = new Date(Date.now() - 120_000);
      await send(JobMatched, job, tenant);
      await send(
        WorkloadFinished,
        {
          jobId: job.jobId,
          reservationId: job.reservationId,
          workloadId: uuidv7(),
          outcome: 'succeeded',
          startedAt: startedAt.toISOString(),
          finishedAt: new Date(startedAt.getTime() + (index + 1) * 45_000).toISOString(),
        },
        tenant,
      );
    }
    const settlements = await Promise.all(
      jobs.map((job) =>
        waitFor(Topics.usageSettled, (p: UsageSettledPayload) => p.reservationId === job.reservationId),
      ),
    );
    // The period is a minute here; its invoice comes once the minute has closed.
    const issued = await waitFor(
      Topics.invoiceIssued,
      (p: InvoiceIssuedPayload) => p.tenantId === tenant,
      90_000,
    );
    const settledTotal = settlements.reduce((sum, s) => sum + BigInt(s.payload.chargedMicros), 0n);
    expect(issued.payload).toMatchObject({ lineCount: 2, totalMicros: settledTotal.toString() });
    const spent = await balances([`tenant:${tenant}:available`]);
    expect(100_000_000n - spent[`tenant:${tenant}:available`]).toBe(settledTotal);

    const invoice = (await (await api(`${tenant}/invoices/${issued.payload.invoiceId}`)).json()) as {
      total: unknown;
      lines: Array<{ jobId: string }>;
    };
    expect(invoice.total).toEqual(usd(settledTotal.toString()));
    expect(invoice.lines.map((l) => l.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect(invoice.lines[0]).toMatchObject({
      gpuProduct: 'H100-SXM5-80GB',
      unitPricePerGpuHourMicros: '2300000',
    });

    const csv = await (await api(`${tenant}/invoices/${issued.payload.invoiceId}?format=csv`)).text();
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe(
      'line,job_id,reservation_id,gpu_product,gpu_seconds,unit_price_per_gpu_hour_micros,amount_micros,started_at,finished_at,compute_credit_id',
    );
    expect(rows).toHaveLength(4);
    expect(rows[3].split(',')[6]).toBe(settledTotal.toString());

    const list = (await (await api(`${tenant}/invoices`)).json()) as { items: Array<{ invoiceId: string }> };
    expect(list.items.map((i) => i.invoiceId)).toEqual([issued.payload.invoiceId]);
    const other = await api(`t-someone-else/invoices/${issued.payload.invoiceId}`);
    expect(other.status).toBe(404);
  }, 120_000);
});
