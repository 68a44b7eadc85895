import { GridexClient, Job, JobSpec } from '@gridex/sdk';
import { eventually, ExchangeUnderTest, Tenant, testInstance } from '@gridex/testing';

/**
 * The exchange end to end, through the public API only (the SDK), with the six real services, Kafka,
 * PostgreSQL and the Kubernetes control plane whose simulated GPU nodes run the pods. Each test is one story a
 * user lives: a job from submission to invoice and the supplier's rewards; compute credits bought, shared and
 * spent; a job nobody can serve yet; a cancellation; a lost node; a tenant running out of credit; interruptible
 * work preempted.
 *
 * Billing invoices per minute and rewards closes an epoch every few seconds here, so the stories finish
 * within a test run; every other setting is the services' default.
 */
const H100 = 'NVIDIA-H100-80GB-HBM3';
const A100 = 'NVIDIA-A100-SXM4-80GB';
const RTX4090 = 'NVIDIA-GeForce-RTX-4090';
const IMAGE = 'registry.gridex.io/e2e/worker:1';
/** The simulated nodes end a pod after this annotation's delay; without it the pod runs until stopped. */
const runFor = (delay: string) => ({ 'pod-complete.stage.kwok.x-k8s.io/delay': delay });

describe('the exchange, end to end through the public API', () => {
  // An instance of its own: services of other test files on the shared stack (each with consumer groups of
  // their own) would otherwise match, meter or report this exchange's jobs too.
  const run = testInstance('e');
  // Regions of this run only, so each story's nodes are told apart by name.
  const EU = `eu-${run}`;
  const US = `us-${run}`;
  const operatorKey = `gdx_operator_${'e'.repeat(40)}`;
  const exchange = new ExchangeUnderTest(run, {
    operatorKey,
    instance: run,
    env: {
      billing: {
        BILLING_INVOICE_PERIOD: 'minute',
        BILLING_INVOICE_CHECK_SECONDS: '1',
        BILLING_ACCRUAL_INTERVAL_SECONDS: '2',
        BILLING_EXHAUSTION_HORIZON_SECONDS: '10',
      },
      rewards: {
        REWARDS_GENESIS: new Date().toISOString(),
        REWARDS_EPOCH_SECONDS: '5',
        REWARDS_EPOCH_CHECK_SECONDS: '1',
        REWARDS_MIN_UPTIME_BPS: '3000',
      },
      matching: { MATCHING_QUEUE_INTERVAL_MS: '250' },
      orchestrator: { STOP_GRACE_SECONDS: '1', LOG_POLL_SECONDS: '1' },
    },
  });
  const core = exchange.core;
  let operator: GridexClient;
  let datacenter: Tenant;
  let homeGpus: Tenant;

  const client = async (name: string, credit?: string): Promise<GridexClient> =>
    (await exchange.client(name, credit)).api;
  const supplier = (name: string, supplierKind: 'datacenter' | 'individual', region: string) =>
    exchange.supplier(name, supplierKind, region);
  const addPool = (owner: Tenant, pool: Parameters<ExchangeUnderTest['addPool']>[1]) =>
    exchange.addPool(owner, pool);

  /** Waits until the job is in `status` (failing at once if it ends otherwise). */
  const until = (api: GridexClient, jobId: string, status: Job['status'], timeoutMs = 90_000) =>
    api.waitForJob(jobId, { statuses: [status], timeoutMs, intervalMs: 250 });

  const job = (spec: Partial<JobSpec>): JobSpec => ({
    image: IMAGE,
    command: ['python', 'serve.py'],
    gpusPerNode: 1,
    maxPricePerGpuHour: '20.00',
    expectedDurationSeconds: 600,
    regions: [EU, US],
    ...spec,
  });

  beforeAll(async () => {
    await exchange.start();
    operator = exchange.operator;

    datacenter = await supplier('Nordic Racks', 'datacenter', EU);
    homeGpus = await supplier('Home Rigs Collective', 'individual', US);
    await addPool(datacenter, {
      pool: 'h100',
      region: EU,
      gpuProduct: H100,
      gpusPerNode: 8,
      count: 2,
    });
    await addPool(homeGpus, {
      pool: 'rtx4090',
      region: US,
      gpuProduct: RTX4090,
      gpusPerNode: 1,
      count: 2,
    });
    await datacenter.api.declareOffer('h100', {
      pricePerGpuHour: '12.00',
      interruptiblePricePerGpuHour: '6.00',
    });
    await homeGpus.api.declareOffer('rtx4090', {
      pricePerGpuHour: '0.40',
      interruptiblePricePerGpuHour: '0.20',
    });
    // Sellable once verified by the benchmark the orchestrator runs and priced by the offer.
    for (const owner of [datacenter, homeGpus]) await exchange.untilSellable(owner);
  }, 240_000);

  afterAll(async () => {
    // Removals reach the capacity feed before the services stop, so the nodes do not stay sellable.
    await exchange.stop([datacenter, homeGpus].filter(Boolean));
  });

  it('runs a job from submission to invoice, and pays its supplier in money and in epoch rewards', async () => {
    const [node] = (await homeGpus.api.supplierNodes()).items as Array<{ nodeId: string }>;
    // A home node earns emissions once staked (100 tokens per consumer GPU), from tokens the supplier deposited.
    const homeNodes = (await homeGpus.api.supplierNodes()).items as Array<{ nodeId: string; gpus: number }>;
    const toStake = homeNodes.reduce((sum, n) => sum + 100 * n.gpus, 0);
    await operator.recordTokenDeposit(homeGpus.id, String(toStake), `e2e-${homeGpus.id}`);
    for (const { nodeId, gpus } of homeNodes) await homeGpus.api.stake(nodeId, String(100 * gpus));
    expect((await homeGpus.api.rewards()).tokens).toMatchObject({
      available: '0.00',
      bonded: `${toStake}.00`,
    });
    expect(node).toBeDefined();
    const acme = await client('Acme Inference', '500.00');
    const spec = job({ name: 'llm-serve', gpuProducts: [RTX4090], annotations: runFor('3s') });
    const quote = await acme.quote(spec);
    expect(quote).toMatchObject({ feasible: true, reasons: [] });
    expect(quote.offers.length).toBeGreaterThan(0);

    const { id } = await acme.submitJob(spec);
    const done = await until(acme, id, 'succeeded');
    expect(done.timeline.map((t) => t.event)).toEqual(
      expect.arrayContaining(['submitted', 'matched', 'running', 'succeeded']),
    );
    expect(done.allocation?.nodes).toEqual([expect.objectContaining({ gpus: 1 })]);
    // Why it landed there: its node's score term by term, against the best other RTX 4090 node's.
    expect(done.explanation?.chosen).toMatchObject({
      node: done.allocation?.nodes[0].node,
      pricePerGpuHour: done.pricePerGpuHour,
    });
    expect(done.explanation?.runnerUp?.node).not.toBe(done.explanation?.chosen.node);
    expect(done.explanation?.chosen.score.total).toBeGreaterThanOrEqual(
      done.explanation?.runnerUp?.score.total ?? Number.POSITIVE_INFINITY,
    );

    // Billed per second at the price fixed at match time, then invoiced when its minute closed.
    const usage = await eventually(async () => {
      const page = await acme.usage({ jobId: id });
      expect(page.items).toHaveLength(1);
      return page.items[0];
    });
    expect(usage.gpuSeconds).toBeGreaterThanOrEqual(3);
    const invoice = await eventually(async () => {
      const page = await acme.invoices();
      expect(page.items).toHaveLength(1);
      return acme.invoice(page.items[0].invoiceId);
    }, 90_000);
    expect(invoice.lines).toEqual([expect.objectContaining({ jobId: id, amount: usage.amount })]);
    // The job shows the run billing metered, to the millisecond (a peer exchange meters its own client by them).
    expect(invoice.lines[0]).toMatchObject({ startedAt: done.startedAt, finishedAt: done.finishedAt });
    expect(invoice.total).toBe(usage.amount);
    const balance = await acme.balance();
    expect(balance.held).toBe('0.00');

    // The supplier earned its ask for those seconds, and its staked nodes earn tokens each epoch.
    await eventually(async () => {
      const earnings = await homeGpus.api.earnings();
      expect(earnings.jobs).toBe(1);
      expect(Number(earnings.total)).toBeGreaterThan(0);
      expect(Number(earnings.total)).toBeLessThan(Number(usage.amount));
    });
    await eventually(async () => {
      expect(Number((await homeGpus.api.rewards()).tokens.available)).toBeGreaterThan(0); // emissions
    }, 60_000);
  }, 240_000);

  it('sells committed H100-hours as compute credits that two tenants spend before money, paying the supplier as they are used', async () => {
    const micros = (usd: string) => Math.round(Number(usd) * 1_000_000);
    const availableUntil = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const commitment = await datacenter.api.commitCapacity({
      gpuProduct: H100,
      gpuHours: '500',
      askPerGpuHour: '10.00',
      availableUntil,
    });
    // The ask plus the 15 % take, rounded up to a whole micro-dollar per GPU-second (3,195 × 3,600).
    expect(commitment).toMatchObject({ gpuHours: '500', gpuHoursSold: '0', creditPricePerGpuHour: '11.502' });

    const orbit = await client('Orbit AI', '2000.00');
    const partner = await client('Orbit Research', '10.00');
    const partnerId = (await partner.me()).tenantId;
    const { items: onSale } = await orbit.computeCreditOffers(H100);
    expect(onSale).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ commitmentId: commitment.commitmentId, pricePerGpuHour: '11.502' }),
      ]),
    );
    const credit = await orbit.buyComputeCredits({
      gpuProduct: H100,
      gpuHours: '100',
      commitmentId: commitment.commitmentId,
    });
    expect(credit).toMatchObject({ supplierId: datacenter.id, balanceGpuHours: '100', value: '1150.20' });
    await eventually(async () => expect((await orbit.balance()).available).toBe('849.80'));

    const transfer = await orbit.transferComputeCredits(credit.creditId, {
      toTenantId: partnerId,
      gpuHours: '40',
    });
    expect(transfer).toMatchObject({
      fromTenantId: (await orbit.me()).tenantId,
      toTenantId: partnerId,
      gpuHours: '40',
    });
    expect((await orbit.computeCredit(credit.creditId)).balanceGpuHours).toBe('60');
    expect((await partner.computeCredit(credit.creditId)).balanceGpuHours).toBe('40');

    // Both run an H100 job on the datacenter's nodes; the credit pays, not their money.
    const earnedBefore = micros((await datacenter.api.earnings()).total);
    const runs = await Promise.all(
      [orbit, partner].map(async (api, index) => {
        const { id } = await api.submitJob(
          job({ name: `credit-${index}`, gpuProducts: [H100], regions: [EU], annotations: runFor('3s') }),
        );
        await until(api, id, 'succeeded');
        const usage = await eventually(async () => {
          const page = await api.usage({ jobId: id });
          expect(page.items).toHaveLength(1);
          return page.items[0];
        });
        return { api, id, usage };
      }),
    );
    const [orbitUsed, partnerUsed] = runs.map((r) => r.usage.gpuSeconds);
    for (const { usage } of runs) {
      expect(usage.gpuSeconds).toBeGreaterThanOrEqual(3);
      expect(micros(usage.amount)).toBe(usage.gpuSeconds * 3195); // the locked price, per GPU-second, exactly
    }
    const orbitCredit = await orbit.computeCredit(credit.creditId);
    const partnerCredit = await partner.computeCredit(credit.creditId);
    expect(orbitCredit.reservedGpuHours).toBe('0');
    expect(Number(orbitCredit.balanceGpuHours)).toBeCloseTo((60 * 3600 - orbitUsed) / 3600, 3);
    expect(Number(partnerCredit.balanceGpuHours)).toBeCloseTo((40 * 3600 - partnerUsed) / 3600, 3);
    expect(await orbit.balance()).toMatchObject({ available: '849.80', held: '0.00' });
    expect(await partner.balance()).toMatchObject({ available: '10.00', held: '0.00' });

    // The supplier earned its locked ask for exactly those GPU-seconds.
    const owed = [orbitUsed, partnerUsed].reduce((sum, s) => sum + Math.floor((10_000_000 * s) / 3600), 0);
    await eventually(async () =>
      expect(micros((await datacenter.api.earnings()).total) - earnedBefore).toBe(owed),
    );
    const [sold] = (await datacenter.api.commitments()).items.filter(
      (c) => c.commitmentId === commitment.commitmentId,
    );
    expect(sold).toMatchObject({ gpuHoursSold: '100' });
    expect(Number(sold.gpuHoursUsed)).toBeCloseTo((orbitUsed + partnerUsed) / 3600, 3);

    // Each invoice shows its credit line; nothing of it is due in money.
    for (const { api, id, usage } of runs) {
      const invoice = await eventually(async () => {
        const page = await api.invoices();
        expect(page.items).toHaveLength(1);
        return api.invoice(page.items[0].invoiceId);
      }, 90_000);
      expect(invoice.lines).toEqual([
        expect.objectContaining({ jobId: id, computeCreditId: credit.creditId, amount: usage.amount }),
      ]);
      expect(invoice).toMatchObject({ total: '0.00', creditsApplied: usage.amount });
    }
  }, 240_000);

  it('says why nobody can serve a job yet, queues it, and runs it once such capacity arrives', async () => {
    const labs = await client('Vision Labs', '200.00');
    const spec = job({
      name: 'a100-finetune',
      gpuProducts: [A100],
      regions: [EU],
      annotations: runFor('2s'),
    });
    const quote = await labs.quote(spec);
    expect(quote.feasible).toBe(false);
    expect(quote.reasons.join(' ')).toMatch(/gpu-product: excludes \d+ node/);

    const { id } = await labs.submitJob(spec);
    const waiting = await eventually(async () => {
      const queued = await labs.job(id);
      expect(queued).toMatchObject({ status: 'queued' });
      expect(queued.timeline.map((t) => t.event)).toContain('unmatched');
      expect(queued.reason).toMatch(/gpu-product: excludes \d+ node/);
      return queued;
    });
    expect(waiting.allocation).toBeNull();

    await addPool(datacenter, {
      pool: 'a100',
      region: EU,
      gpuProduct: A100,
      gpusPerNode: 8,
      count: 1,
    });
    await datacenter.api.declareOffer('a100', { pricePerGpuHour: '1.60' });
    const done = await until(labs, id, 'succeeded', 120_000);
    expect(done.allocation?.nodes[0].node).toContain('-a100-');
  }, 240_000);

  it('cancels a running job: its pods stop and only the seconds it ran are charged', async () => {
    const acme = await client('Acme Batch', '100.00');
    const { id } = await acme.submitJob(job({ name: 'long-batch', gpuProducts: [H100] }));
    await until(acme, id, 'running');
    await acme.cancelJob(id);
    const cancelled = await until(acme, id, 'cancelled');
    expect(cancelled.timeline.map((t) => t.event)).toContain('cancelled');
    await eventually(async () => {
      const balance = await acme.balance();
      expect(balance.held).toBe('0.00');
      expect(Number(balance.available)).toBeLessThan(100);
      expect(Number(balance.available)).toBeGreaterThan(90);
    });
  });

  it("streams a job's container logs while it runs, stops at its end, and keeps them after its pod is gone", async () => {
    const acme = await client('Acme Logs', '100.00');
    const { id } = await acme.submitJob(
      job({ name: 'talkative', gpuProducts: [RTX4090], annotations: runFor('6s') }),
    );
    await until(acme, id, 'running');
    // Followed through the gateway: lines arrive while the job runs, and the stream ends when the job does.
    const followed: string[] = [];
    for await (const line of acme.followJobLogs(id)) followed.push(line);
    expect((await acme.job(id)).status).toBe('succeeded');
    expect(followed.length).toBeGreaterThanOrEqual(3);
    for (const line of followed) expect(line).toMatch(/^epoch \d+ step \d+ loss \d/);
    // The pod is deleted once the job is reported; its lines stay for the retention.
    await eventually(async () => {
      const pods = await core.listPodForAllNamespaces({ labelSelector: `gridex.io/job-id=${id}` });
      expect(pods.items).toHaveLength(0);
    });
    const kept = (await acme.jobLogs(id)).trimEnd().split('\n');
    // What was kept is what was followed, line for line. The followed stream ends when the orchestrator sees the
    // workload end (it checks twice a second); the simulated fleet's shared log goes on being written after a
    // container stops (a kubelet's does not), so a follower may see the lines of that moment (a second or so) more.
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(followed.slice(0, kept.length)).toEqual(kept);
    expect(followed.length - kept.length).toBeLessThanOrEqual(3);
    expect((await acme.jobLogs(id, { tail: 2 })).trimEnd().split('\n')).toEqual(kept.slice(-2));
    expect(await acme.jobLogs(id, { timestamps: 'true', tail: 1 })).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z epoch /);
    // Another tenant cannot read them.
    const other = await client('Nosy Corp');
    await expect(other.jobLogs(id)).rejects.toMatchObject({ status: 404, code: 'JOB.NOT_FOUND' });
  }, 120_000);

  it('fails a job over to another node when its node is lost, and streams every state of it in order', async () => {
    const acme = await client('Acme Training', '300.00');
    const { id } = await acme.submitJob(
      job({
        name: 'resilient',
        gpuProducts: [H100],
        gpusPerNode: 8,
        retryBudget: 1,
        annotations: runFor('20s'),
      }),
    );
    // Server-sent events from the start; the stream ends by itself when nothing more will happen.
    const streamed = (async () => {
      const events: Array<{ event: string; detail?: string; index: number }> = [];
      for await (const item of acme.jobEvents(id)) {
        if (item.type === 'end') return { events, end: item.end };
        events.push(item.event);
      }
      throw new Error('the stream closed without an end');
    })();
    const first = await until(acme, id, 'running');
    const lost = first.allocation?.nodes[0].node as string;
    await core.deleteNode({ name: lost });
    const replaced = await eventually(async () => {
      const current = await acme.job(id);
      expect(current.status).toBe('running');
      expect(current.allocation?.nodes[0].node).not.toBe(lost);
      return current;
    }, 90_000);
    // The lost placement's end and the new placement both show in the timeline, in either order of arrival.
    expect(replaced.timeline.filter((t) => t.event === 'matched')).toHaveLength(2);
    expect(replaced.timeline).toContainEqual(
      expect.objectContaining({ detail: expect.stringMatching(/node/i) }),
    );
    const done = await until(acme, id, 'succeeded');
    const { events, end } = await streamed;
    // running → failed (node lost) → matched → running → succeeded, every entry once, in the timeline's order.
    expect(events.map((e) => [e.index, e.event])).toEqual(done.timeline.map((t, index) => [index, t.event]));
    const names = events.map((e) => e.event);
    expect(names.filter((n) => n === 'matched')).toHaveLength(2);
    expect(names.filter((n) => n === 'running')).toHaveLength(2);
    const lostAt = events.findIndex((e) => /failed/.test(e.event) && /node/i.test(e.detail ?? ''));
    expect(lostAt).toBeGreaterThan(names.indexOf('running'));
    expect(names.at(-1)).toBe('succeeded');
    expect(end).toMatchObject({ status: 'succeeded' });
  }, 240_000);

  it("stops a tenant's work when its credit runs out, and charges what ran", async () => {
    // Eight H100s at about 12.60 an hour each: 1.00 of credit covers the hold for 20 s expected, and lasts
    // about half a minute of running.
    const thrifty = await client('Thrifty Startup', '1.00');
    const { id } = await thrifty.submitJob(
      job({ name: 'too-long', gpuProducts: [H100], gpusPerNode: 8, expectedDurationSeconds: 20 }),
    );
    await until(thrifty, id, 'running');
    const stopped = await until(thrifty, id, 'failed', 120_000);
    expect(stopped.reason).toBe('credit-exhausted');
    await eventually(async () => {
      const balance = await thrifty.balance();
      expect(balance.held).toBe('0.00');
      expect(Number(balance.available)).toBeLessThan(0.5);
    });
  }, 240_000);

  it('never starts a pod for a tenant without credit: the job fails before anything runs', async () => {
    const broke = await client('Broke Startup');
    const { tenantId } = await broke.me();
    const { id } = await broke.submitJob(job({ name: 'unpaid', gpuProducts: [H100], gpusPerNode: 8 }));
    const failed = await until(broke, id, 'failed');
    // Billing's refusal and the orchestrator's report of the workload it then ended may arrive in either order.
    expect(['insufficient-credit', 'credit-exhausted']).toContain(failed.reason);
    expect(failed.timeline.map((t) => t.event)).not.toContain('running');
    // The orchestrator makes a tenant's namespace before its first pod and never removes it: none means no pod
    // of this tenant ever existed on a supplier's GPUs.
    const { items: namespaces } = await core.listNamespace();
    expect(namespaces.filter((ns) => ns.metadata?.annotations?.['gridex.io/tenant-id'] === tenantId)).toEqual(
      [],
    );
    expect((await broke.balance()).held).toBe('0.00');
  });

  it('preempts interruptible work for an on-demand job, and requeues the interrupted job', async () => {
    const batch = await client('Cheap Batch Co', '50.00');
    const interruptible: string[] = [];
    for (const name of ['render-1', 'render-2']) {
      const { id } = await batch.submitJob(job({ name, gpuProducts: [RTX4090], interruptible: true }));
      interruptible.push(id);
    }
    for (const id of interruptible) await until(batch, id, 'running');

    const urgent = await client('Urgent Inference', '50.00');
    const { id } = await urgent.submitJob(job({ name: 'on-call', gpuProducts: [RTX4090] }));
    await until(urgent, id, 'running');
    const victims = await eventually(async () => {
      const jobs = await Promise.all(interruptible.map((victim) => batch.job(victim)));
      const preempted = jobs.filter((j) =>
        j.timeline.some((t) => /preempted/.test(`${t.event} ${t.detail ?? ''}`)),
      );
      expect(preempted).toHaveLength(1);
      return preempted;
    });
    // The interrupted job waits for capacity again instead of being dropped.
    expect(['queued', 'matched', 'running']).toContain((await batch.job(victims[0].id)).status);

    for (const jobId of interruptible) await batch.cancelJob(jobId).catch(() => undefined);
    await urgent.cancelJob(id);
  }, 240_000);
});
