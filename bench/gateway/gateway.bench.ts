/**
 * Gateway benchmark: read and quote latency through the public API at a steady request rate.
 *
 *   npm run bench:gateway -- [--rate 200] [--seconds 15]
 *
 * Starts the built gateway and matching services (fresh schemas), creates a client tenant and key, submits a job
 * and offers one node of a product of this run's own, then sends, open-loop at `rate` requests per second for
 * `seconds` each (a request leaves on schedule whether or not earlier ones have answered):
 *   - `GET /healthz` (no key, no database): the baseline of this machine's HTTP stack in the same run,
 *   - `GET /v1/jobs/{id}` (key check, read model),
 *   - `POST /v1/quotes` (key check, request-reply over Kafka to matching and back).
 * Reports rps achieved, p50/p99 latency and errors (non-2xx or failed requests) for each, and writes
 * bench/results/gateway.json. Target: reads p99 ≤ 50 ms at 200 requests/s, zero errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CapacityChanged } from '@gridex/contracts';
import {
  capacityChange,
  dropSchema,
  eventually,
  launchService,
  LaunchedService,
  publishEvents,
  testKafka,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';
import { percentile } from '../shared/measure';

const { values: args } = parseArgs({
  options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '15' } },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const RUN = uniqueSuffix();
const OPERATOR_KEY = `gdx_operator_bench_${RUN}_${'x'.repeat(20)}`;

interface Load {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Sends `send()` open-loop at RATE per second for SECONDS; measures each request's latency. */
async function steadyLoad(send: () => Promise<Response>): Promise<Load> {
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = performance.now();
    inFlight.push(
      send()
        .then(async (response) => {
          await response.arrayBuffer();
          latencies.push(performance.now() - sentAt);
          if (!response.ok) errors += 1;
        })
        .catch(() => {
          errors += 1;
        }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    rps: Math.round(total / elapsed),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
    errors,
  };
}

async function main(): Promise<void> {
  const services: LaunchedService[] = [];
  const kafka = testKafka();
  const producer = testPublisher(kafka);
  try {
    const gateway = await launchService('gateway', {
      GRIDEX_OPERATOR_KEY: OPERATOR_KEY,
      GATEWAY_RATE_LIMIT_PER_SECOND: String(RATE * 10),
      GATEWAY_RATE_LIMIT_BURST: String(RATE * 10),
      LOG_LEVEL: 'warn',
    });
    services.push(gateway);
    const matching = await launchService('matching', { LOG_LEVEL: 'warn' });
    services.push(matching);
    await Promise.all(services.map((service) => untilReady(service)));
    const api = (p: string, key: string, body?: unknown) =>
      fetch(`${gateway.url}${p}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const tenant = (await (
      await api('/v1/tenants', OPERATOR_KEY, { name: 'bench', kind: 'client' })
    ).json()) as {
      id: string;
    };
    const { key } = (await (
      await api(`/v1/tenants/${tenant.id}/api-keys`, OPERATOR_KEY, { role: 'client' })
    ).json()) as {
      key: string;
    };
    const product = `BENCH-GW-${RUN}`;
    const spec = {
      image: 'registry.gridex.io/bench/infer:1',
      command: ['serve'],
      gpusPerNode: 1,
      gpuProducts: [product],
      maxPricePerGpuHour: '5.00',
      expectedDurationSeconds: 600,
    };
    const job = (await (await api('/v1/jobs', key, spec)).json()) as { id: string };
    await publishEvents(producer, CapacityChanged, [
      capacityChange({
        clusterId: 'bench-gw',
        nodeName: `bench-gw-${RUN}`,
        supplierId: 'bench-sup',
        gpuProduct: product,
        gpuMemoryMiB: 24_564,
        interconnect: 'pcie',
        benchmarkScore: 400,
        reliabilityBasisPoints: 9_900,
        pricePerGpuHour: { currency: 'USD', micros: '400000' },
        interruptiblePricePerGpuHour: { currency: 'USD', micros: '250000' },
      }),
    ]);
    await eventually(async () => {
      const quote = (await (await api('/v1/quotes', key, spec)).json()) as { feasible: boolean };
      if (!quote.feasible) throw new Error('the offer has not reached matching yet');
    }, 120_000);

    console.log(`baseline GET /healthz at ${RATE}/s for ${SECONDS} s ...`);
    const healthz = await steadyLoad(() => fetch(`${gateway.url}/healthz`));
    console.log(`GET /v1/jobs/{id} at ${RATE}/s for ${SECONDS} s ...`);
    const jobRead = await steadyLoad(() => api(`/v1/jobs/${job.id}`, key));
    console.log(`POST /v1/quotes at ${RATE}/s for ${SECONDS} s ...`);
    const quotes = await steadyLoad(() => api('/v1/quotes', key, spec));

    const result = {
      benchmark: 'gateway',
      rate: RATE,
      seconds: SECONDS,
      healthz,
      getJob: {
        ...jobRead,
        p99VsHealthz: Number((jobRead.p99Ms / Math.max(healthz.p99Ms, 0.01)).toFixed(2)),
      },
      postQuote: quotes,
      errors: healthz.errors + jobRead.errors + quotes.errors,
      target: 'reads p99 <= 50 ms at 200 requests/s, zero errors',
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'gateway.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const service of services) await service.process.kill();
    await producer.close();
    for (const service of services) await dropSchema(service.schema);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
