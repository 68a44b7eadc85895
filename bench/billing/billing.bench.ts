/**
 * Billing benchmark: lifecycle events into the ledger, exactly once, checked against an independent
 * recomputation.
 *
 *   npm run bench:billing -- [--reservations 100000] [--tenants 20] [--paced 20000] [--rate 2000]
 *
 * 1. Starts the built billing service on a fresh schema, tops up `tenants` tenants through its API, and stops it.
 * 2. Throughput: publishes, for `reservations` reservations of one tenant (the invoice tenant — the worst case:
 *    every batch waits for that tenant's lock), job-matched, workload-started and workload-finished, plus 5 % of
 *    them again (duplicates) and, for a tenth of the reservations, the finish before the match (disorder). Then
 *    starts billing again on the same schema and consumer group, so it drains the backlog without the publisher
 *    competing for this machine's two cores (in production the publishers are other services on other
 *    machines). eventsPerSecond = events published / (first event processed → last settlement), both read
 *    from billing's own tables.
 * 3. Latency: `paced` more reservations over the other tenants at `rate` events/s; for each job-matched and
 *    workload-finished, publish → its ledger transaction (hold, settlement). p50Ms, p99Ms.
 * 4. Checks: every reservation's charge and every account's balance against a straightforward recomputation from
 *    the generated events (mismatches), settlements per reservation beyond one (duplicates).
 * 5. invoiceSeconds: with the service stopped, issues the invoice tenant's invoice (`reservations` lines) with
 *    billing's own invoice code, timed.
 * Writes bench/results/billing.json. Needs the stack (`npm run stack:up`) and a build (`npm run build`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import {
  createEvent,
  deterministicUuid,
  EventContract,
  IdNamespaces,
  JobMatched,
  JobMatchedPayload,
  uuidv7,
  WorkloadFinished,
  WorkloadStarted,
} from '@gridex/contracts';
import { MessagePublisher } from '@gridex/kafka-client';
import { OutboxWriter } from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import {
  dropSchema,
  launchService,
  queryStack,
  stackEnv,
  testKafka,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import {
  billingConfigSchema,
  InvoiceService,
  chargeMicros,
  supplierShareMicros,
} from '@gridex/billing/benchmark';
import { percentile, sleep } from '../shared/measure';

const { values: args } = parseArgs({
  options: {
    reservations: { type: 'string', default: '100000' },
    tenants: { type: 'string', default: '20' },
    paced: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '2000' },
  },
});
const RESERVATIONS = Number(args.reservations);
const TENANTS = Number(args.tenants);
const PACED = Number(args.paced);
const RATE = Number(args.rate);
const RUN = uniqueSuffix();
const INVOICE_TENANT = `bench-invoice-${RUN}`;
const TOP_UP = 10n ** 15n; // enough for any run: holds are never rejected here
const SUPPLIERS = 50;

interface Generated {
  tenantId: string;
  matched: JobMatchedPayload;
  startedAt: Date;
  finishedAt: Date;
}

/** A reservation with 1–8 GPUs on one or two nodes, prices from a small table, 1 s – 2 h of run time. */
function generate(tenantId: string, index: number): Generated {
  const jobId = `job-${RUN}-${tenantId}-${index}`;
  const nodes = 1 + (index % 2);
  const ask = BigInt(300_000 + (index % 17) * 110_000);
  const price = (ask * 11_500n + 9_999n) / 10_000n;
  const finishedAt = new Date(Date.now() - 1000);
  const startedAt = new Date(finishedAt.getTime() - (1000 + ((index * 7919) % 7_200_000)));
  return {
    tenantId,
    startedAt,
    finishedAt,
    matched: {
      jobId,
      tenantId,
      reservationId: deterministicUuid(IdNamespaces.reservation, jobId, 0),
      attempt: 0,
      tier: 'on-demand',
      expectedDurationSeconds: 3600,
      allocations: Array.from({ length: nodes }, (_, n) => ({
        nodeId: deterministicUuid(IdNamespaces.node, 'bench', `${index % 997}-${n}`),
        clusterId: 'bench',
        nodeName: `bench-${index % 997}-${n}`,
        supplierId: `bench-sup-${RUN}-${(index + n) % SUPPLIERS}`,
        region: 'eu-north',
        gpuProduct: 'RTX-4090-24GB',
        gpus: 1 + (index % 8),
        pricePerGpuHour: { currency: 'USD', micros: price.toString() },
        supplierPricePerGpuHour: { currency: 'USD', micros: ask.toString() },
      })),
      matchedAt: new Date().toISOString(),
      image: 'registry.gridex.io/bench/infer:1',
      command: ['serve'],
    },
  };
}

interface Outgoing {
  topic: string;
  key: string;
  value: string;
  reservationId: string;
  kind: 'hold' | 'started' | 'settlement';
}

function message<T>(
  contract: EventContract<T>,
  payload: T,
  tenantId: string,
  reservationId: string,
  kind: Outgoing['kind'],
): Outgoing {
  const event = createEvent(contract, payload, { correlationId: uuidv7(), causationId: null, tenantId });
  return {
    topic: contract.topic,
    key: contract.partitionKey(payload),
    value: JSON.stringify(event),
    reservationId,
    kind,
  };
}

function lifecycle(g: Generated): Outgoing[] {
  const { matched } = g;
  const workloadId = deterministicUuid(IdNamespaces.workload, matched.jobId, matched.reservationId);
  return [
    message(JobMatched, matched, g.tenantId, matched.reservationId, 'hold'),
    message(
      WorkloadStarted,
      {
        jobId: matched.jobId,
        reservationId: matched.reservationId,
        workloadId,
        startedAt: g.startedAt.toISOString(),
      },
      g.tenantId,
      matched.reservationId,
      'started',
    ),
    message(
      WorkloadFinished,
      {
        jobId: matched.jobId,
        reservationId: matched.reservationId,
        workloadId,
        outcome: 'succeeded',
        startedAt: g.startedAt.toISOString(),
        finishedAt: g.finishedAt.toISOString(),
      },
      g.tenantId,
      matched.reservationId,
      'settlement',
    ),
  ];
}

async function send(producer: MessagePublisher, batch: Outgoing[]): Promise<void> {
  const byTopic = new Map<string, Array<{ key: string; value: string }>>();
  for (const m of batch)
    byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
  await Promise.all([...byTopic].map(([topic, messages]) => producer.send(topic, messages)));
}

/** What the ledger must say, computed the plain way from the generated events. */
function expectedLedger(all: Generated[]) {
  const accounts = new Map<string, bigint>();
  const charges = new Map<string, bigint>();
  const add = (account: string, amount: bigint) =>
    accounts.set(account, (accounts.get(account) ?? 0n) + amount);
  for (const g of all) {
    const seconds = Math.ceil((g.finishedAt.getTime() - g.startedAt.getTime()) / 1000);
    let charge = 0n;
    for (const a of g.matched.allocations) {
      const c = chargeMicros(BigInt(a.pricePerGpuHour.micros), a.gpus * seconds);
      const s = supplierShareMicros(BigInt(a.supplierPricePerGpuHour.micros), a.gpus * seconds);
      charge += c;
      add(`supplier:${a.supplierId}:payable`, s);
      add('platform:revenue', c - s);
    }
    charges.set(g.matched.reservationId, charge);
    add(`tenant:${g.tenantId}:available`, -charge);
  }
  return { accounts, charges };
}

async function untilSettled(schema: string, count: number): Promise<void> {
  for (;;) {
    const [{ n }] = await queryStack<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${schema}".meters WHERE settled_at IS NOT NULL`,
    );
    if (Number(n) >= count) return;
    // The end time is read from the meters, not from this poll, so a slow poll costs no accuracy and keeps
    // its scan of the growing table from competing with the service under test.
    await sleep(1000);
  }
}

async function main(): Promise<void> {
  const kafka = testKafka();
  const producer = testPublisher(kafka);
  const settings = {
    BILLING_ACCRUAL_INTERVAL_SECONDS: '3600',
    BILLING_MAX_TOP_UP_MICROS: TOP_UP.toString(),
    LOG_LEVEL: 'warn',
  };
  let billing = await launchService('billing', settings);
  const { schema, group } = billing;
  try {
    await untilReady(billing);
    const tenants = [INVOICE_TENANT, ...Array.from({ length: TENANTS }, (_, i) => `bench-t${i}-${RUN}`)];
    for (const tenantId of tenants) {
      const response = await fetch(`${billing.url}/v1/tenants/${tenantId}/credits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${RUN}-${tenantId}` },
        body: JSON.stringify({
          amount: { currency: 'USD', micros: TOP_UP.toString() },
          paymentMethod: 'pm_test_bench',
        }),
      });
      if (response.status !== 201)
        throw new Error(`top-up failed: ${response.status} ${await response.text()}`);
    }

    // Throughput: the invoice tenant's reservations as a backlog, with duplicates and disorder.
    console.log(
      `throughput: ${RESERVATIONS} reservations, published as a backlog, then drained by billing ...`,
    );
    const bulk = Array.from({ length: RESERVATIONS }, (_, i) => generate(INVOICE_TENANT, i));
    const bulkMessages: Outgoing[] = [];
    bulk.forEach((g, i) => {
      const [matched, started, finished] = lifecycle(g);
      bulkMessages.push(...(i % 10 === 0 ? [finished, started, matched] : [matched, started, finished]));
      if (i % 20 === 0) bulkMessages.push(finished, matched);
    });
    billing.process.signal('SIGTERM');
    await billing.process.exited;
    const firstPublish = Date.now();
    for (let i = 0; i < bulkMessages.length; i += 5000) await send(producer, bulkMessages.slice(i, i + 5000));
    const publishSeconds = (Date.now() - firstPublish) / 1000;
    billing = await launchService(
      'billing',
      { ...settings, DATABASE_SCHEMA: schema, KAFKA_CONSUMER_GROUP: group },
      { startAtTopicEnds: false },
    );
    await untilReady(billing);
    await untilSettled(schema, RESERVATIONS);
    // The inbox is empty until the backlog arrives (the top-ups went through the API).
    const [{ first, last }] = await queryStack<{ first: Date; last: Date }>(
      `SELECT (SELECT min(processed_at) FROM "${schema}".inbox) AS first,
              (SELECT max(settled_at) FROM "${schema}".meters) AS last`,
    );
    const throughputSeconds = (new Date(last).getTime() - new Date(first).getTime()) / 1000;
    const eventsPerSecond = Math.round(bulkMessages.length / throughputSeconds);
    console.log(
      `  ${bulkMessages.length} events drained in ${throughputSeconds.toFixed(1)} s (published in ${publishSeconds.toFixed(1)} s before billing started): ${eventsPerSecond} events/s`,
    );

    // Latency: a paced stream over the other tenants.
    console.log(`latency: ${PACED} reservations at ${RATE} events/s ...`);
    const paced = Array.from({ length: PACED }, (_, i) =>
      generate(tenants[1 + (i % TENANTS)], RESERVATIONS + i),
    );
    const pacedMessages = paced.flatMap(lifecycle);
    const sentAt = new Map<string, number>();
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
    const start = Date.now();
    for (let i = 0; i < pacedMessages.length; i += perTick) {
      const due = start + (i / perTick) * tickMs;
      if (due > Date.now()) await sleep(due - Date.now());
      const slice = pacedMessages.slice(i, i + perTick);
      const at = Date.now();
      for (const m of slice) if (m.kind !== 'started') sentAt.set(`${m.kind}:${m.reservationId}`, at);
      await send(producer, slice);
    }
    await untilSettled(schema, RESERVATIONS + PACED);
    const posted = await queryStack<{ kind: string; reference: string; occurred_at: Date }>(
      `SELECT kind, reference, occurred_at FROM "${schema}".ledger_transactions
       WHERE kind IN ('hold', 'settlement') AND reference = ANY($1)`,
      [paced.map((g) => g.matched.reservationId)],
    );
    const latencies = posted
      .map((row) => new Date(row.occurred_at).getTime() - (sentAt.get(`${row.kind}:${row.reference}`) ?? NaN))
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);

    // Checks against the plain recomputation.
    const all = [...bulk, ...paced];
    const expected = expectedLedger(all);
    const meters = await queryStack<{ reservation_id: string; charged_micros: string }>(
      `SELECT reservation_id, charged_micros::text FROM "${schema}".meters`,
    );
    let mismatches = meters.filter(
      (m) => expected.charges.get(m.reservation_id) !== BigInt(m.charged_micros),
    ).length;
    mismatches += Math.abs(meters.length - all.length);
    const balances = await queryStack<{ account: string; balance: string }>(
      `SELECT account, sum(amount_micros)::text AS balance FROM "${schema}".ledger_postings GROUP BY account`,
    );
    const actual = new Map(balances.map((b) => [b.account, BigInt(b.balance)]));
    for (const tenantId of tenants) {
      expected.accounts.set(
        `tenant:${tenantId}:available`,
        (expected.accounts.get(`tenant:${tenantId}:available`) ?? 0n) + TOP_UP,
      );
      expected.accounts.set(
        'platform:payments-clearing',
        (expected.accounts.get('platform:payments-clearing') ?? 0n) - TOP_UP,
      );
    }
    for (const account of new Set([...actual.keys(), ...expected.accounts.keys()])) {
      if ((actual.get(account) ?? 0n) !== (expected.accounts.get(account) ?? 0n)) mismatches += 1;
    }
    const [{ extra }] = await queryStack<{ extra: string }>(
      `SELECT (count(*) - count(DISTINCT (kind, reference)))::text AS extra FROM "${schema}".ledger_transactions`,
    );
    const [{ settlements }] = await queryStack<{ settlements: string }>(
      `SELECT count(*)::text AS settlements FROM "${schema}".ledger_transactions WHERE kind = 'settlement'`,
    );
    const duplicates = Number(extra) + Math.max(0, Number(settlements) - all.length);

    // Invoice: the service stops; billing's own invoice code issues the 100,000-line invoice.
    await billing.process.kill();
    const config = billingConfigSchema.parse({
      KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
      DATABASE_URL: stackEnv().DATABASE_URL,
      DATABASE_SCHEMA: schema,
      BILLING_INVOICE_PERIOD: 'day',
    });
    const dataSource = await new DataSource({ type: 'postgres', url: stackEnv().DATABASE_URL }).initialize();
    const invoices = new InvoiceService(
      dataSource,
      new OutboxWriter(schema),
      config,
      new ServiceMetrics('billing_bench', { defaultMetrics: false }),
    );
    const invoiceStart = process.hrtime.bigint();
    const issued = await invoices.issueDue(new Date(Date.now() + 2 * 86_400_000));
    const invoiceSeconds = Number(process.hrtime.bigint() - invoiceStart) / 1e9;
    const big = issued.find((i) => i.tenant_id === INVOICE_TENANT);
    await dataSource.destroy();

    const result = {
      benchmark: 'billing',
      reservations: RESERVATIONS,
      pacedReservations: PACED,
      events: bulkMessages.length + pacedMessages.length,
      eventsPerSecond,
      throughputSeconds: Number(throughputSeconds.toFixed(2)),
      publishSeconds: Number(publishSeconds.toFixed(2)),
      pacedRateEventsPerSecond: RATE,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      mismatches,
      duplicates,
      invoiceLines: big ? Number(big.line_count) : 0,
      invoiceSeconds: Number(invoiceSeconds.toFixed(2)),
      target: 'eventsPerSecond >= 10000 (stretch 50000), mismatches = 0, duplicates = 0',
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'billing.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await billing.process.kill();
    await producer.close();
    await dropSchema(schema);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
