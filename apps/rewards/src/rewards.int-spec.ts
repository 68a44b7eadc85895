import {
  CapacityChanged,
  CapacityChangedPayload,
  createEvent,
  deterministicUuid,
  EpochClosedPayload,
  EventContract,
  EventEnvelope,
  IdNamespaces,
  PayoutRequestedPayload,
  PayoutSettled,
  StakeSlashedPayload,
  SupplierFaultObserved,
  Topics,
  UsageSettled,
  UsageSettledPayload,
  uuidv7,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import {
  capacityChange,
  dropSchema,
  eventually,
  launchService,
  LaunchedService,
  testKafka,
  TopicRecorder,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';

/**
 * Rewards against the real Kafka and PostgreSQL: the test plays billing (settlements), inventory (the capacity
 * feed) and the orchestrator (supplier faults), and uses rewards' HTTP API as a supplier would. Epochs are three
 * seconds long here, starting when the test starts.
 */
const suffix = uniqueSuffix();
const supplier = `sup-rw-${suffix}`;
const cluster = `rw-${suffix}`;
const TOKEN = 1_000_000n;
const DEPOSIT = 5_000n * TOKEN;
const usd = (micros: string) => ({ currency: 'USD', micros });

let revision = 1;
function capacity(nodeName: string, patch: Partial<CapacityChangedPayload> = {}): CapacityChangedPayload {
  return capacityChange({
    clusterId: cluster,
    nodeName,
    supplierId: supplier,
    gpuProduct: 'RTX-4090-24GB',
    revision: revision++,
    supplierKind: 'individual',
    pool: 'home',
    region: 'eu-west',
    gpuMemoryMiB: 24_564,
    interconnect: 'pcie',
    gpus: 2,
    allocatableGpus: 2,
    benchmarkScore: 400,
    reliabilityBasisPoints: 9_900,
    pricePerGpuHour: usd('400000'),
    interruptiblePricePerGpuHour: usd('250000'),
    ...patch,
  });
}

type Recorded<T> = EventEnvelope<T>;

describe('rewards: earnings, staking, epoch emissions, slashing and payouts on the real stack', () => {
  const kafka = testKafka();
  let producer: MessagePublisher;
  let rewards: LaunchedService;
  let epochs: TopicRecorder;
  let slashes: TopicRecorder;
  let payouts: TopicRecorder;

  const send = async <T>(contract: EventContract<T>, payload: T, times = 1) => {
    const event = createEvent(contract, payload, { correlationId: uuidv7(), causationId: null });
    const message = { key: contract.partitionKey(payload), value: JSON.stringify(event) };
    await producer.send(
      contract.topic,
      Array.from({ length: times }, () => message),
    );
  };
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${rewards.url}/v1/${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api(path, { method: 'POST', body: JSON.stringify(body), headers });
  const nodeId = (name: string) => deterministicUuid(IdNamespaces.node, cluster, name);
  const untilKnown = (name: string) =>
    eventually(async () => {
      // Staking nothing: 404 while rewards has not seen the node, then 400 (and nothing changes either way).
      const { status } = await post(`suppliers/${supplier}/nodes/${nodeId(name)}/stake`, { units: '0' });
      expect(status).toBe(400);
    });

  beforeAll(async () => {
    producer = testPublisher(kafka);
    [epochs, slashes, payouts] = await Promise.all(
      [Topics.epochClosed, Topics.stakeSlashed, Topics.payoutRequested].map((topic) =>
        TopicRecorder.start(kafka, topic),
      ),
    );
    rewards = await launchService('rewards', {
      REWARDS_GENESIS: new Date().toISOString(),
      REWARDS_EPOCH_SECONDS: '3',
      REWARDS_EPOCH_CHECK_SECONDS: '1',
      REWARDS_MIN_UPTIME_BPS: '3000',
      REWARDS_UNSTAKE_COOLDOWN_SECONDS: '3600',
      REWARDS_UNBONDING_SECONDS: '1',
      REWARDS_MIN_PAYOUT_MICROS: '1000000',
      REWARDS_TOKEN_PAYOUT_CHECK_SECONDS: '1',
      REWARDS_CHAIN_ENABLED: 'false', // token payouts in the ledger only: chain.int-spec.ts covers the chain
      LOG_LEVEL: 'warn',
    });
    await untilReady(rewards);
    // The supplier's tokens to stake: received off the chain and recorded by an operator (twice: credited once).
    for (let i = 0; i < 2; i += 1) {
      expect(
        (await post(`suppliers/${supplier}/deposits`, { units: String(DEPOSIT), reference: `op-${suffix}` }))
          .status,
      ).toBe(200);
    }
  });

  afterAll(async () => {
    await rewards?.process.kill();
    await Promise.all([epochs, slashes, payouts].map((r) => r?.stop()));
    await producer?.close();
    if (rewards) await dropSchema(rewards.schema);
  });

  it('credits settlements once as earnings, per job and per node, and pays claims once per key', async () => {
    const settlement: UsageSettledPayload = {
      settlementId: uuidv7(),
      tenantId: 'acme',
      jobId: `job-${uuidv7()}`,
      reservationId: uuidv7(),
      currency: 'USD',
      gpuSeconds: 7200,
      chargedMicros: '18400000',
      supplierShares: [
        { supplierId: supplier, nodeId: nodeId('n-a'), gpuSeconds: 3600, amountMicros: '8000000' },
        { supplierId: supplier, nodeId: nodeId('n-b'), gpuSeconds: 3600, amountMicros: '8000000' },
      ],
      platformRevenueMicros: '2400000',
      settledAt: new Date().toISOString(),
    };
    await send(UsageSettled, settlement, 2); // delivered twice
    const earnings = await eventually(async () => {
      const { body } = await api(`suppliers/${supplier}/earnings`);
      expect(body.earnings).toMatchObject({ earned: usd('16000000') });
      return body;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // room for a wrong second credit to show
    expect((await api(`suppliers/${supplier}/earnings`)).body.earnings).toMatchObject({
      earned: usd('16000000'),
    });
    expect(earnings.byNode).toEqual([
      expect.objectContaining({
        nodeId: [nodeId('n-a'), nodeId('n-b')].sort()[0],
        jobs: 1,
        earned: usd('8000000'),
      }),
      expect.objectContaining({
        nodeId: [nodeId('n-a'), nodeId('n-b')].sort()[1],
        jobs: 1,
        earned: usd('8000000'),
      }),
    ]);
    expect(earnings.history).toHaveLength(2);

    const key = { 'idempotency-key': `claim-${uuidv7()}` };
    const second = { 'idempotency-key': `claim-${uuidv7()}` };
    expect((await post(`suppliers/${supplier}/claims`, { earningsMicros: '1000' }, key)).body).toMatchObject({
      code: 'REWARDS.CLAIM_BELOW_MINIMUM',
    });
    expect(
      (
        await post(
          `suppliers/${supplier}/claims`,
          { earningsMicros: '16000001' },
          { 'idempotency-key': `c-${uuidv7()}` },
        )
      ).body,
    ).toMatchObject({ code: 'REWARDS.CLAIM_EXCEEDS_BALANCE' });
    const first = await post(`suppliers/${supplier}/claims`, { earningsMicros: '15000000' }, key);
    const again = await post(`suppliers/${supplier}/claims`, { earningsMicros: '15000000' }, key);
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await post(`suppliers/${supplier}/claims`, { earningsMicros: '12000000' }, key)).status).toBe(
      422,
    );
    const payout = await payouts.waitFor<Recorded<PayoutRequestedPayload>>(
      (e) => e.payload.payoutId === first.body.payoutId,
    );
    expect(payout.payload).toMatchObject({ earnings: usd('15000000'), earningsPaidTotalMicros: '15000000' });
    expect((await api(`suppliers/${supplier}/earnings`)).body.earnings).toMatchObject({
      paid: usd('15000000'),
      available: usd('1000000'),
    });

    // Billing answers (the test plays it): the first payout was paid; a second, refused, becomes claimable again.
    const refused = await post(`suppliers/${supplier}/claims`, { earningsMicros: '1000000' }, second);
    const settle = (payoutId: string, outcome: 'paid' | 'failed') =>
      send(
        PayoutSettled,
        {
          payoutId,
          supplierId: supplier,
          earnings: usd(outcome === 'paid' ? '15000000' : '1000000'),
          outcome,
          providerReference: outcome === 'paid' ? 'po_test_1' : null,
          reason: outcome === 'paid' ? null : 'no payout account on file',
          ledgerTransactionId: outcome === 'paid' ? uuidv7() : null,
          settledAt: new Date().toISOString(),
        },
        2,
      );
    await settle(first.body.payoutId as string, 'paid');
    await settle(refused.body.payoutId as string, 'failed');
    const list = await eventually(async () => {
      const { body } = await api(`suppliers/${supplier}/payouts`);
      const items = body.items as Array<{ payoutId: string; earningsStatus: string }>;
      expect(items.map((p) => p.earningsStatus).sort()).toEqual(['failed', 'paid']);
      return items;
    });
    expect(list.find((p) => p.payoutId === first.body.payoutId)).toMatchObject({
      earnings: usd('15000000'),
      earningsStatus: 'paid',
      providerReference: 'po_test_1',
    });
    expect(list.find((p) => p.payoutId === refused.body.payoutId)).toMatchObject({
      failureReason: 'no payout account on file',
    });
    expect((await api(`suppliers/${supplier}/earnings`)).body.earnings).toMatchObject({
      paid: usd('15000000'),
      available: usd('1000000'),
    });
  });

  it('stakes only tokens the supplier holds: stake → unstake → withdraw mints nothing', async () => {
    const stranger = `sup-rw-empty-${suffix}`;
    await send(CapacityChanged, capacity('n-empty', { supplierId: stranger }));
    await eventually(async () => {
      const { body } = await post(`suppliers/${stranger}/nodes/${nodeId('n-empty')}/stake`, {
        units: String(200n * TOKEN),
      });
      expect(body).toMatchObject({ code: 'REWARDS.INSUFFICIENT_TOKENS' });
    });
    await send(CapacityChanged, capacity('n-cycle'));
    await untilKnown('n-cycle');
    const tokensOf = async () =>
      (await api(`suppliers/${supplier}/balances`)).body.tokens as Record<string, string>;
    const held = (t: Record<string, string>) =>
      ['availableUnits', 'bondedUnits', 'unbondingUnits', 'pendingPayoutUnits'].reduce(
        (sum, k) => sum + BigInt(t[k]),
        0n,
      );
    const before = await tokensOf();
    const path = `suppliers/${supplier}/nodes/${nodeId('n-cycle')}`;
    expect((await post(`${path}/stake`, { units: String(300n * TOKEN) })).status).toBe(200);
    expect((await post(`${path}/unstake`, { units: String(300n * TOKEN) })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the unbonding period (1 s here)
    expect((await post(`suppliers/${supplier}/unbondings/withdraw`, {})).body).toEqual({
      withdrawnUnits: String(300n * TOKEN),
    });
    const after = await tokensOf();
    expect(after.availableUnits).toBe(before.availableUnits);
    expect(held(after)).toBe(held(before));
    expect((await api('tokens/supply')).body).toMatchObject({ consistent: true });
  });

  it('pays claimed tokens out of the ledger once per key, and shows the payout', async () => {
    const key = { 'idempotency-key': `tokens-${uuidv7()}` };
    const supplyBefore = (await api('tokens/supply')).body;
    const claim = await post(`suppliers/${supplier}/claims`, { tokenUnits: String(40n * TOKEN) }, key);
    expect(claim.status).toBe(201);
    expect(
      (await post(`suppliers/${supplier}/claims`, { tokenUnits: String(40n * TOKEN) }, key)).body.payoutId,
    ).toBe(claim.body.payoutId);
    const paid = await eventually(async () => {
      const { body } = await api(`suppliers/${supplier}/payouts`);
      const payout = (body.items as Array<{ payoutId: string; tokensStatus: string }>).find(
        (p) => p.payoutId === claim.body.payoutId,
      );
      expect(payout?.tokensStatus).toBe('paid');
      return payout;
    });
    expect(paid).toMatchObject({ tokenUnits: String(40n * TOKEN), transactionHash: null });
    const supplyAfter = (await api('tokens/supply')).body;
    expect(BigInt(supplyAfter.withdrawnUnits as string) - BigInt(supplyBefore.withdrawnUnits as string)).toBe(
      40n * TOKEN,
    );
    expect(supplyAfter.consistent).toBe(true);
    expect(
      (
        await post(
          `suppliers/${supplier}/claims`,
          { tokenUnits: String(DEPOSIT * 10n) },
          { 'idempotency-key': `t-${uuidv7()}` },
        )
      ).body,
    ).toMatchObject({ code: 'REWARDS.CLAIM_EXCEEDS_BALANCE' });
  });

  it('refuses bad stakes with coded errors and keeps balances whole', async () => {
    await send(CapacityChanged, capacity('n-stake'));
    await untilKnown('n-stake');
    const path = `suppliers/${supplier}/nodes/${nodeId('n-stake')}`;
    // Consumer class: 100 tokens per GPU × 2 GPUs.
    expect((await post(`${path}/stake`, { units: String(199n * TOKEN) })).body).toMatchObject({
      code: 'REWARDS.STAKE_BELOW_MINIMUM',
    });
    const staked = await post(`${path}/stake`, { units: String(250n * TOKEN) });
    expect(staked.body).toMatchObject({ stakedUnits: String(250n * TOKEN), eligible: true });
    expect((await post(`${path}/unstake`, { units: String(251n * TOKEN) })).body).toMatchObject({
      code: 'REWARDS.UNSTAKE_EXCEEDS_STAKE',
    });
    const unstaked = await post(`${path}/unstake`, { units: String(100n * TOKEN) });
    expect(unstaked.body).toMatchObject({ stakedUnits: String(150n * TOKEN), eligible: false });
    const cooldown = await post(`${path}/unstake`, { units: '1' });
    expect(cooldown).toMatchObject({ status: 409, body: { code: 'REWARDS.UNSTAKE_COOLDOWN' } });
    expect((await post(`suppliers/${supplier}/nodes/${uuidv7()}/stake`, { units: '1' })).status).toBe(404);
    expect((await post(`${path}/stake`, { units: '-5' })).status).toBe(400);
  });

  it("splits each epoch's budget exactly among eligible nodes, by uptime and stake", async () => {
    for (const name of ['n-big', 'n-small', 'n-unverified']) {
      await send(
        CapacityChanged,
        capacity(name, name === 'n-unverified' ? { verification: 'unverified' } : {}),
      );
    }
    for (const name of ['n-big', 'n-small', 'n-unverified']) await untilKnown(name);
    await post(`suppliers/${supplier}/nodes/${nodeId('n-big')}/stake`, {
      units: String(400n * TOKEN), // 2×
      autoCompound: true,
    });
    await post(`suppliers/${supplier}/nodes/${nodeId('n-small')}/stake`, { units: String(200n * TOKEN) }); // 1×
    // An epoch that began after both stakes and in which both were online the whole time.
    const startedAfter = Date.now();
    const closed = await epochs.waitFor<Recorded<EpochClosedPayload>>(
      (e) => Date.parse(e.payload.startsAt) > startedAfter && e.payload.eligibleNodes >= 2,
      30_000,
    );
    expect(closed.payload.distributedUnits).toBe(closed.payload.budgetUnits);
    const { body } = await api(`epochs/${closed.payload.epochNumber}?supplierId=${supplier}`);
    const shares = Object.fromEntries(
      (body.nodes as Array<{ nodeId: string; units: string; eligible: boolean }>).map((n) => [n.nodeId, n]),
    );
    expect(shares[nodeId('n-unverified')]).toMatchObject({ eligible: false, units: '0' });
    const big = BigInt(shares[nodeId('n-big')].units);
    const small = BigInt(shares[nodeId('n-small')].units);
    expect(big + small).toBe(BigInt(closed.payload.budgetUnits)); // the only eligible nodes: stakes are ours
    expect(big - 2n * small).toBeGreaterThanOrEqual(-2n); // twice the stake multiplier, same uptime
    expect(big - 2n * small).toBeLessThanOrEqual(2n);
    // Auto-compounding: n-big's share was restaked into it, in the epoch's own ledger transaction.
    expect(shares[nodeId('n-big')]).toMatchObject({ compounded: true });
    expect(shares[nodeId('n-small')]).toMatchObject({ compounded: false });
    const stakes = (await api(`suppliers/${supplier}/stakes`)).body.stakes as Array<{
      nodeId: string;
      stakedUnits: string;
    }>;
    const stakeOf = (name: string) =>
      BigInt(stakes.find((st) => st.nodeId === nodeId(name))?.stakedUnits ?? -1);
    // At least this epoch's share (later epochs may have compounded more by now).
    expect(stakeOf('n-big')).toBeGreaterThanOrEqual(400n * TOKEN + big);
    expect(stakeOf('n-small')).toBe(200n * TOKEN);
    const supply = (await api('tokens/supply')).body;
    expect(supply.consistent).toBe(true);
    expect(BigInt(supply.emittedUnits as string)).toBeGreaterThanOrEqual(BigInt(closed.payload.budgetUnits));
  });

  it('slashes a faulty node, more on a repeat, with the evidence', async () => {
    await send(CapacityChanged, capacity('n-faulty'));
    await untilKnown('n-faulty');
    await post(`suppliers/${supplier}/nodes/${nodeId('n-faulty')}/stake`, { units: String(1000n * TOKEN) });
    const fault = {
      clusterId: cluster,
      nodeName: 'n-faulty',
      kind: 'node-lost' as const,
      jobId: 'job-lost-1',
      detail: 'node n-faulty left the cluster',
      observedAt: new Date().toISOString(),
    };
    await send(SupplierFaultObserved, { ...fault, faultId: uuidv7() });
    const first = await slashes.waitFor<Recorded<StakeSlashedPayload>>(
      (e) => e.payload.nodeId === nodeId('n-faulty'),
    );
    await send(SupplierFaultObserved, { ...fault, faultId: uuidv7() });
    const second = await slashes.waitFor<Recorded<StakeSlashedPayload>>(
      (e) => e.payload.nodeId === nodeId('n-faulty') && e.payload.faultsInWindow === 2,
    );
    expect(first.payload).toMatchObject({
      fault: 'node-lost',
      faultsInWindow: 1,
      shareBasisPoints: 100,
      slashedUnits: String(10n * TOKEN),
      stakeAfterUnits: String(990n * TOKEN),
      evidence: { jobId: 'job-lost-1', detail: 'node n-faulty left the cluster' },
    });
    expect(second.payload).toMatchObject({
      shareBasisPoints: 200,
      stakeAfterUnits: String(990n * TOKEN - 19_800_000n),
    });
    // Slashed tokens are burned: the supply says so, and still adds up.
    const supply = (await api('tokens/supply')).body;
    expect(BigInt(supply.burnedUnits as string)).toBeGreaterThanOrEqual(10n * TOKEN + 19_800_000n);
    expect(supply.consistent).toBe(true);
  });
});
