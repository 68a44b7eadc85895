/**
 * Log streaming benchmark: many clients following one running job's container logs through the public API.
 *
 *   npm run bench:gateway -- [--followers 100] [--seconds 20]     (runs after the gateway benchmark)
 *
 * Starts a whole exchange (its six built services, an instance of its own), a supplier with one simulated H100
 * node and a client whose job runs there for the whole measurement. Then `followers` clients follow the job's logs
 * at once (`GET /v1/jobs/{id}/logs?follow=true&timestamps=true`, each its own connection) for `seconds`. The
 * simulated fleet writes one line a second to every container's log; each line's latency is when a follower
 * received it minus the kubelet's timestamp of it (the moment it was written), so it spans the whole path:
 * kubelet (kwok) → API server → orchestrator (one stream per pod, shared by every follower) → gateway → client.
 * Reports lines per second delivered (all followers), p50/p99 line latency, and the API server log streams the
 * followers cost; writes bench/results/log-streaming.json. Target: p99 ≤ 250 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExchangeUnderTest, testInstance, uniqueSuffix } from '@gridex/testing';
import { percentile } from '../shared/measure';

const { values: args } = parseArgs({
  options: { followers: { type: 'string', default: '100' }, seconds: { type: 'string', default: '20' } },
});
const FOLLOWERS = Number(args.followers);
const SECONDS = Number(args.seconds);
const H100 = 'NVIDIA-H100-80GB-HBM3';

async function main(): Promise<void> {
  const run = uniqueSuffix();
  const region = `eu-logs-${run}`;
  const instance = testInstance('lg');
  const exchange = new ExchangeUnderTest(instance, {
    operatorKey: `gdx_operator_${'l'.repeat(40)}`,
    instance,
    env: { orchestrator: { LOG_POLL_SECONDS: '5' }, matching: { MATCHING_QUEUE_INTERVAL_MS: '250' } },
  });
  const owners = [];
  try {
    console.log('starting an exchange ...');
    await exchange.start();
    const supplier = await exchange.supplier('Log Racks', 'datacenter', region);
    owners.push(supplier);
    await exchange.addPool(supplier, { pool: 'h100', region, gpuProduct: H100, gpusPerNode: 8, count: 1 });
    await supplier.api.declareOffer('h100', { pricePerGpuHour: '2.00' });
    await exchange.untilSellable(supplier);
    const client = await exchange.client('Log Readers', '1000.00');
    const { id } = await client.api.submitJob({
      image: 'registry.gridex.io/bench/train:1',
      command: ['python', 'train.py'],
      gpusPerNode: 8,
      gpuProducts: [H100],
      regions: [region],
      maxPricePerGpuHour: '5.00',
      expectedDurationSeconds: 3600,
    });
    await client.api.waitForJob(id, { statuses: ['running'], timeoutMs: 60_000, intervalMs: 250 });

    console.log(`${FOLLOWERS} followers for ${SECONDS} s ...`);
    const latencies: number[] = [];
    let lines = 0;
    let errors = 0;
    const stop = new AbortController();
    const follow = async () => {
      try {
        const response = await fetch(
          `${exchange.gatewayUrl}/v1/jobs/${id}/logs?follow=true&timestamps=true&tail=1`,
          {
            headers: { authorization: `Bearer ${client.key}` },
            signal: stop.signal,
          },
        );
        if (!response.ok || !response.body) throw new Error(`answered ${response.status}`);
        const decoder = new TextDecoder();
        let buffer = '';
        let first = true;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          const now = Date.now();
          buffer += decoder.decode(chunk, { stream: true });
          const complete = buffer.split('\n');
          buffer = complete.pop() ?? '';
          for (const line of complete) {
            // The tail line was written before the follower came: its age is not latency.
            if (first) {
              first = false;
              continue;
            }
            lines += 1;
            latencies.push(now - Date.parse(line.slice(0, line.indexOf(' '))));
          }
        }
      } catch (error) {
        if (stop.signal.aborted) return;
        errors += 1;
        if (errors === 1)
          console.log(
            `a follower failed after ${(Date.now() - started) / 1000} s: ${(error as Error).message}`,
          );
      }
    };
    const started = Date.now();
    const followers = Array.from({ length: FOLLOWERS }, () => follow());
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    stop.abort();
    await Promise.all(followers);
    const elapsed = (Date.now() - started) / 1000;

    const sorted = [...latencies].sort((a, b) => a - b);
    const result = {
      followers: FOLLOWERS,
      seconds: Math.round(elapsed),
      linesDelivered: lines,
      linesPerSecond: Math.round(lines / elapsed),
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted[sorted.length - 1] ?? null,
      },
      errors,
      apiServerStreams: 'one per pod of the job, shared by every follower (LiveLogs)',
      target: 'p99 ≤ 250 ms',
    };
    console.log(
      `log streaming: ${FOLLOWERS} followers, ${result.linesPerSecond} lines/s delivered, ` +
        `latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${errors} errors`,
    );
    const file = path.resolve(__dirname, '..', 'results', 'log-streaming.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ranAt: new Date().toISOString(), ...result }, null, 2)}\n`);
    await client.api.cancelJob(id);
  } finally {
    await exchange.stop(owners);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
