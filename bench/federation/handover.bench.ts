/**
 * Federation benchmark, live: what a job's hand-over to another network costs, and whether placements survive
 * adapter timeouts without ever placing a job twice.
 *
 *   npm run bench:federation:live -- [--jobs 20] [--placements 1000] [--late 0.2] [--dropped 0.1]
 *
 * Two whole exchanges on the shared stack, each on its own GRIDEX_INSTANCE (the same helper the end-to-end
 * tests use): B sells 4 × 8 H100 in its region; A sells 4 × 8 H100 of its own in another region and holds B as
 * a network (orchestrator polling every 250 ms).
 *
 * 1. Hand-over. `jobs` single-GPU jobs of A's client, alternating between A's own nodes (`networks: local`) and
 *    B (`networks: [peer-b]`), one at a time: submit → running as A's API reports it, per path. The extra
 *    hand-over is the peer path's p50 minus the local path's p50 (target ≤ 500 ms).
 * 2. Double placements. A fault-injecting proxy in front of B's gateway answers `late` of the placements after
 *    the adapter's timeout (B made the job; Gridex does not know) and drops `dropped` of them before B sees them.
 *    `placements` jobs are placed through the orchestrator's own `NetworkPlacements` under their keys, and each
 *    unknown outcome is asked again with the same key, as the orchestrator's poller does, until B names the job.
 *    Then B's jobs for A's account are counted by name: every job placed exactly once is the target (0 doubles).
 *    B's matching is stopped for this phase, so its jobs stay submitted and only placement is measured.
 *
 * Writes bench/results/federation-live.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { inspect, parseArgs } from 'node:util';
import { GridexPeerAdapter, NetworkRegistry, parseNetworks } from '@gridex/networks';
import { ServiceMetrics } from '@gridex/observability';
import { externalJobRequest, NetworkPlacements } from '@gridex/orchestrator/benchmark';
import { GridexClient, Job } from '@gridex/sdk';
import { ExchangeUnderTest, Tenant, testInstance, uniqueSuffix } from '@gridex/testing';
import { percentile, sleep, until } from '../shared/measure';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20' },
    placements: { type: 'string', default: '1000' },
    late: { type: 'string', default: '0.2' },
    dropped: { type: 'string', default: '0.1' },
  },
});
const H100 = 'NVIDIA-H100-80GB-HBM3';
const IMAGE = 'registry.gridex.io/bench/worker:1';
const ADAPTER_TIMEOUT_MS = 400;
const suffix = uniqueSuffix()
  .toLowerCase()
  .replace(/[^a-z0-9]/g, '')
  .slice(-6);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** A pool of 4 × 8 H100 of a new supplier of `exchange` in `region`, offered at 2.00 and sellable. */
async function sellH100(exchange: ExchangeUnderTest, region: string): Promise<Tenant> {
  const supplier = await exchange.supplier(`Racks ${region}`, 'datacenter', region);
  await exchange.addPool(supplier, { pool: 'h100', region, gpuProduct: H100, gpusPerNode: 8, count: 4 });
  await supplier.api.declareOffer('h100', { pricePerGpuHour: '2.00' });
  await exchange.untilSellable(supplier);
  return supplier;
}

/** Submits a job and polls A's API until it runs: milliseconds from the POST to the first `running`. */
async function submitToRunning(client: GridexClient, region: string, networks: 'local' | string[]) {
  const started = performance.now();
  const { id } = await client.submitJob({
    image: IMAGE,
    command: ['serve'],
    gpusPerNode: 1,
    regions: [region],
    gpuProducts: [H100],
    maxPricePerGpuHour: '5.00',
    expectedDurationSeconds: 60,
    networks,
    annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '1s' },
  });
  let job: Job | undefined;
  await until(
    `job ${id} running`,
    async () => {
      job = await client.job(id);
      return job.status === 'running' || job.status === 'succeeded';
    },
    120_000,
    25,
  );
  const elapsed = performance.now() - started;
  if (job?.status === 'succeeded') {
    // Seen only after it ended: the running state was missed between two polls, so the figure is an upper bound.
    return { id, ms: elapsed, missedRunning: true };
  }
  return { id, ms: elapsed, missedRunning: false };
}

/**
 * An HTTP proxy in front of `target` that makes a share of job placements fail as a network does: `late` are
 * forwarded and answered after the adapter has given up, `dropped` never reach the target. Everything else
 * passes through untouched. Decisions are by a counter, so the shares are exact.
 */
function faultyProxy(
  target: string,
  late: number,
  dropped: number,
): Promise<{ server: Server; url: string; counts: Record<string, number> }> {
  const counts = { forwarded: 0, late: 0, dropped: 0 };
  let placements = 0;
  const upstream = new URL(target);
  const server = createServer((incoming: IncomingMessage, answer: ServerResponse) => {
    const placing = incoming.method === 'POST' && incoming.url === '/v1/jobs';
    let fault: 'late' | 'dropped' | undefined;
    if (placing) {
      placements += 1;
      const slot = placements % 100;
      if (slot < dropped * 100) fault = 'dropped';
      else if (slot < (dropped + late) * 100) fault = 'late';
    }
    if (fault === 'dropped') {
      counts.dropped += 1;
      incoming.resume();
      incoming.socket.destroy();
      return;
    }
    const forwarded = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (response) => {
        const body: Buffer[] = [];
        response.on('data', (chunk: Buffer) => body.push(chunk));
        response.on('end', () => {
          const reply = () => {
            answer.writeHead(response.statusCode ?? 502, response.headers);
            answer.end(Buffer.concat(body));
          };
          if (fault === 'late') {
            counts.late += 1;
            setTimeout(reply, ADAPTER_TIMEOUT_MS * 2);
          } else {
            counts.forwarded += 1;
            reply();
          }
        });
      },
    );
    forwarded.on('error', () => answer.destroy());
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts }),
    ),
  );
}

async function main(): Promise<void> {
  const regionA = `eu-a${suffix}`;
  const regionB = `eu-b${suffix}`;
  const [instanceA, instanceB] = [testInstance('ha'), testInstance('hb')];
  const peer = new ExchangeUnderTest(instanceB, {
    operatorKey: `gdx_operator_${'b'.repeat(40)}`,
    instance: instanceB,
    env: { matching: { MATCHING_QUEUE_INTERVAL_MS: '250' }, orchestrator: { STOP_GRACE_SECONDS: '1' } },
  });
  let home: ExchangeUnderTest | undefined;
  let proxy: Awaited<ReturnType<typeof faultyProxy>> | undefined;
  const owners: Tenant[] = [];
  try {
    console.log('starting exchange B (the peer network) ...');
    await peer.start();
    owners.push(await sellH100(peer, regionB));
    const account = await peer.client('Gridex A (aggregator)', '100000.00');
    console.log('starting exchange A, which routes to B ...');
    home = new ExchangeUnderTest(instanceA, {
      operatorKey: `gdx_operator_${'a'.repeat(40)}`,
      instance: instanceA,
      env: {
        matching: { MATCHING_QUEUE_INTERVAL_MS: '250' },
        orchestrator: {
          NETWORKS: JSON.stringify([peer.asNetwork('peer-b', account)]),
          NETWORK_OFFERS_REFRESH_SECONDS: '1',
          NETWORK_STATUS_POLL_MS: '250',
          STOP_GRACE_SECONDS: '1',
        },
      },
    });
    await home.start();
    owners.push(await sellH100(home, regionA));
    const client = (await home.client('Acme AI', '10000.00')).api;
    // Both paths sellable before timing: a quote on each succeeds.
    for (const [region, networks] of [
      [regionA, 'local'],
      [regionB, ['peer-b']],
    ] as const) {
      await until(
        `capacity in ${region}`,
        async () =>
          (
            await client.quote({
              image: IMAGE,
              expectedDurationSeconds: 60,
              gpusPerNode: 1,
              regions: [region],
              gpuProducts: [H100],
              maxPricePerGpuHour: '5.00',
              networks: networks as 'local' | string[],
            })
          ).feasible,
        120_000,
        500,
      );
    }

    console.log(`hand-over: ${args.jobs} jobs, alternating local and through B ...`);
    const local: number[] = [];
    const throughPeer: number[] = [];
    let missedRunning = 0;
    for (let i = 0; i < Number(args.jobs); i += 1) {
      const viaPeer = i % 2 === 1;
      const run = await submitToRunning(client, viaPeer ? regionB : regionA, viaPeer ? ['peer-b'] : 'local');
      (viaPeer ? throughPeer : local).push(run.ms);
      if (run.missedRunning) missedRunning += 1;
    }
    local.sort((a, b) => a - b);
    throughPeer.sort((a, b) => a - b);
    const handOver = {
      localP50Ms: round(percentile(local, 0.5)),
      localP99Ms: round(percentile(local, 0.99)),
      peerP50Ms: round(percentile(throughPeer, 0.5)),
      peerP99Ms: round(percentile(throughPeer, 0.99)),
      extraP50Ms: round(percentile(throughPeer, 0.5) - percentile(local, 0.5)),
      jobsPerPath: local.length,
      runningSeenOnlyAfterEnd: missedRunning,
      statusPollMs: 250,
    };
    console.log(
      `submit → running p50: local ${handOver.localP50Ms} ms, through B ${handOver.peerP50Ms} ms ` +
        `(extra hand-over ${handOver.extraP50Ms} ms; p99 ${handOver.localP99Ms} / ${handOver.peerP99Ms} ms)`,
    );

    console.log(`double placements: ${args.placements} placements through a faulty proxy ...`);
    // B's matching stops, so what is placed stays submitted there: this phase measures placement alone.
    const peerMatching = peer.services.find((s) => s.schema.includes('matching'));
    await peerMatching?.process.kill();
    const late = Number(args.late);
    const dropped = Number(args.dropped);
    proxy = await faultyProxy(peer.gatewayUrl, late, dropped);
    const [config] = parseNetworks(
      JSON.stringify([
        {
          id: 'peer-b',
          kind: 'gridex',
          baseUrl: proxy.url,
          apiKey: account.key,
          timeoutMs: ADAPTER_TIMEOUT_MS,
          // Timeouts are the point here: the breaker must not stop the asking again.
          failureThreshold: 100,
        },
      ]),
    );
    const registry = new NetworkRegistry([
      { config, adapter: new GridexPeerAdapter(config.baseUrl, config.apiKey) },
    ]);
    const placements = new NetworkPlacements(
      registry,
      new ServiceMetrics('bench_federation', { defaultMetrics: false }),
    );
    const run = `dp${suffix}`;
    const request = (i: number) => ({
      ...externalJobRequest({
        jobId: `${run}-${i}`,
        tenantId: 'bench',
        reservationId: '00000000-0000-7000-8000-000000000000',
        attempt: 0,
        tier: 'on-demand',
        expectedDurationSeconds: 60,
        allocations: [
          {
            nodeId: '00000000-0000-7000-8000-000000000000',
            clusterId: 'network:peer-b',
            nodeName: 'any',
            supplierId: 'network:peer-b',
            networkId: 'peer-b',
            region: regionB,
            gpuProduct: H100,
            gpus: 1,
            pricePerGpuHour: { currency: 'USD', micros: '2530000' },
            supplierPricePerGpuHour: { currency: 'USD', micros: '2300000' },
          },
        ],
        matchedAt: new Date().toISOString(),
        image: IMAGE,
        command: ['serve'],
      }),
    });
    const placedIds = new Map<number, string>();
    let askedAgain = 0;
    let notPlaced = 0;
    const started = performance.now();
    const total = Number(args.placements);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < total) {
          const i = next++;
          for (;;) {
            const outcome = await placements.place('peer-b', request(i), `${run}-key-${i}`);
            if (outcome.kind === 'placed') {
              placedIds.set(i, outcome.job.externalJobId);
              break;
            }
            if (outcome.kind === 'not-placed') {
              notPlaced += 1;
              break;
            }
            askedAgain += 1;
            await sleep(50);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // What B holds for A's account, by the job name the placement gave it.
    const byName = new Map<string, Set<string>>();
    let cursor: string | undefined;
    do {
      const page = await account.api.jobs({ limit: 200, ...(cursor ? { cursor } : {}) });
      for (const job of page.items) {
        if (!job.name?.startsWith(`gridex-${run}-`)) continue;
        byName.set(job.name, (byName.get(job.name) ?? new Set()).add(job.id));
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const doubles = [...byName.values()].reduce((sum, ids) => sum + ids.size - 1, 0);
    const missing = total - notPlaced - byName.size;
    const doublePlacement = {
      placements: total,
      placed: placedIds.size,
      notPlaced,
      askedAgain,
      injected: { ...proxy.counts },
      jobsOnPeer: [...byName.values()].reduce((sum, ids) => sum + ids.size, 0),
      doublePlacedJobs: doubles,
      lostPlacements: missing,
      placementsPerSecond: round(total / seconds),
      adapterTimeoutMs: ADAPTER_TIMEOUT_MS,
    };
    console.log(
      `${total} placements (${proxy.counts.late} answered late, ${proxy.counts.dropped} dropped; ` +
        `${askedAgain} asked again): ${doublePlacement.jobsOnPeer} jobs on B, ${doubles} placed twice, ` +
        `${missing} lost, ${doublePlacement.placementsPerSecond} placements/s`,
    );

    const result = {
      measuredAt: new Date().toISOString(),
      handOver,
      doublePlacement,
      targets: {
        'handOver.extraP50Ms': { op: '<=', value: 500 },
        'doublePlacement.doublePlacedJobs': { op: '=', value: 0 },
      },
    };
    const out = path.join(__dirname, '..', 'results', 'federation-live.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    proxy?.server.close();
    await home?.stop(owners.slice(1));
    await peer.stop(owners.slice(0, 1));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(inspect(error, { depth: 6 }));
    process.exit(1);
  },
);
