import { AddressInfo, createServer, Server } from 'node:net';
import {
  GridexPeerAdapter,
  NetworkRegistry,
  NetworkTimeout,
  NetworkUnavailable,
  parseNetworks,
} from '@gridex/networks';
import { GridexClient } from '@gridex/sdk';
import {
  dropSchema,
  eventually,
  ExchangeUnderTest,
  launchService,
  LaunchedService,
  provisionInstanceTopics,
  removeInstance,
  Tenant,
  testInstance,
  untilReady,
} from '@gridex/testing';

/**
 * Another Gridex exchange as a network Gridex routes to: a real peer (its own six services, on its own
 * GRIDEX_INSTANCE of the shared stack, selling its own simulated H100 nodes) reached through the network port's
 * Gridex adapter and registry, with the credentials of a client tenant Gridex holds there. Beside it, a network
 * that accepts connections and never answers trips its circuit breaker.
 */
const H100 = 'NVIDIA-H100-80GB-HBM3';

describe('a peer Gridex exchange as a network behind the adapter port', () => {
  const run = testInstance('p');
  /** Exchange A's instance (only its orchestrator and gateway run, in the last test). */
  const homeInstance = testInstance('h');
  const region = `eu-${run}`;
  const peer = new ExchangeUnderTest(run, {
    operatorKey: `gdx_operator_${'p'.repeat(40)}`,
    instance: run,
    env: { matching: { MATCHING_QUEUE_INTERVAL_MS: '250' }, orchestrator: { STOP_GRACE_SECONDS: '1' } },
  });
  let supplier: Tenant;
  let registry: NetworkRegistry;
  let silent: Server;
  let networksJson: string;
  /** Exchange A's orchestrator (which holds its networks) and gateway, on an instance of their own. */
  const home: LaunchedService[] = [];

  beforeAll(async () => {
    await peer.start();
    supplier = await peer.supplier('Peer Racks', 'datacenter', region);
    await peer.addPool(supplier, { pool: 'h100', region, gpuProduct: H100, gpusPerNode: 8, count: 2 });
    await supplier.api.declareOffer('h100', { pricePerGpuHour: '2.00' });
    await peer.untilSellable(supplier);
    // Gridex's account on the peer: a client tenant with credit.
    const account = await peer.client('Gridex (aggregator)', '1000.00');
    const { key } = account;
    silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    networksJson = JSON.stringify([
      { id: 'peer', kind: 'gridex', baseUrl: peer.gatewayUrl, apiKey: key, timeoutMs: 10_000 },
      {
        id: 'silent',
        kind: 'gridex',
        baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        apiKey: key,
        timeoutMs: 300,
        failureThreshold: 2,
      },
    ]);
    const networks = parseNetworks(networksJson);
    registry = new NetworkRegistry(
      networks.map((config) => ({ config, adapter: new GridexPeerAdapter(config.baseUrl, config.apiKey) })),
    );
  }, 300_000);

  afterAll(async () => {
    for (const service of home.reverse()) {
      await service.process.kill();
      await dropSchema(service.schema);
    }
    silent?.close();
    await removeInstance(homeInstance);
    await peer.stop(supplier ? [supplier] : []);
  });

  it('discovers, quotes, places once per key, follows, cancels and reads the usage of a 2 × 8 H100 gang', async () => {
    expect(await registry.refreshOffers()).toBe(1); // the silent network times out
    const [{ offers }] = registry.routableOffers();
    // Priced as the peer charges its clients: the 2.00 ask plus the peer's 15 % take.
    expect(offers.filter((o) => o.region === region)).toEqual([
      expect.objectContaining({ gpuProduct: H100, gpusPerNode: 8, pricePerGpuHourMicros: '2300000' }),
      expect.objectContaining({ gpuProduct: H100, gpusPerNode: 8, pricePerGpuHourMicros: '2300000' }),
    ]);

    const request = {
      name: 'federated-train',
      image: 'registry.gridex.io/e2e/worker:1',
      command: ['train'],
      spec: {
        gpusPerNode: 8,
        nodeCount: 2,
        gpuProducts: [H100],
        regions: [region],
        maxPricePerGpuHour: { currency: 'USD', micros: '5000000' },
        expectedDurationSeconds: 600,
        tier: 'on-demand' as const,
      },
    };
    const quote = await registry.quote('peer', request);
    expect(quote).toMatchObject({ feasible: true, reasons: [] });
    // The quote is the price a gang there is placed at: the same 2.30 as the offers.
    expect(quote.pricePerGpuHourMicros).toBe('2300000');

    const key = `gridex-${run}-job-1`;
    const placed = await registry.place('peer', request, key);
    expect((await registry.place('peer', request, key)).externalJobId).toBe(placed.externalJobId);
    const running = await eventually(async () => {
      const job = await registry.status('peer', placed.externalJobId);
      expect(job.status).toBe('running');
      return job;
    }, 90_000);
    expect(running.startedAt).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await registry.cancel('peer', placed.externalJobId);
    const cancelled = await eventually(async () => {
      const job = await registry.status('peer', placed.externalJobId);
      expect(job.status).toBe('cancelled');
      return job;
    }, 60_000);
    expect(cancelled.finishedAt).toBeDefined();
    const usage = await eventually(async () => {
      const used = await registry.usage('peer', placed.externalJobId);
      expect(used.gpuSeconds).toBeGreaterThan(0);
      return used;
    }, 60_000);
    expect(usage.gpuSeconds % 16).toBe(0); // 16 GPUs for every metered second
    expect(BigInt(usage.chargedMicros)).toBeGreaterThan(0n);
    expect(registry.health().find((n) => n.id === 'peer')).toMatchObject({
      breaker: 'closed',
      lastError: null,
    });
  }, 240_000);

  it('stops routing to a network that does not answer, and says why', async () => {
    await expect(registry.status('silent', 'job-x')).rejects.toThrow(NetworkTimeout);
    await expect(registry.status('silent', 'job-x')).rejects.toThrow(/silent/);
    await expect(registry.status('silent', 'job-x')).rejects.toThrow(NetworkUnavailable);
    expect(registry.health().find((n) => n.id === 'silent')).toMatchObject({
      breaker: 'open',
      lastError: expect.stringMatching(/did not answer/),
    });
    expect(registry.routableOffers().map((n) => n.networkId)).toEqual(['peer']);
  });

  it("shows operators each network's breaker and offers, from the orchestrator that holds them", async () => {
    const instance = homeInstance;
    const operatorKey = `gdx_operator_${'h'.repeat(40)}`;
    await provisionInstanceTopics(instance);
    const orchestrator = await launchService('orchestrator', {
      GRIDEX_INSTANCE: instance,
      GPU_NODE_SELECTOR: `gridex.io/e2e-run=${instance}-none`,
      NETWORKS: networksJson,
      NETWORK_OFFERS_REFRESH_SECONDS: '1',
      LOG_LEVEL: 'error',
    });
    home.push(orchestrator);
    const gateway = await launchService('gateway', {
      GRIDEX_INSTANCE: instance,
      GRIDEX_OPERATOR_KEY: operatorKey,
      GATEWAY_KDF_COST: '12',
      GATEWAY_ORCHESTRATOR_URL: orchestrator.url,
      LOG_LEVEL: 'error',
    });
    home.push(gateway);
    await Promise.all(home.map((service) => untilReady(service)));
    const operator = new GridexClient({ baseUrl: gateway.url, apiKey: operatorKey });
    await eventually(async () => {
      const { items } = await operator.networks();
      expect(items).toEqual([
        expect.objectContaining({ id: 'peer', kind: 'gridex', breaker: 'closed', lastError: null }),
        expect.objectContaining({
          id: 'silent',
          breaker: 'open',
          lastError: expect.stringMatching(/did not answer/),
        }),
      ]);
      expect(items[0].offers).toBeGreaterThanOrEqual(2);
    }, 60_000);
    const metrics = await (await fetch(`${orchestrator.url}/metrics`)).text();
    expect(metrics).toMatch(/gridex_orchestrator_network_breaker_open\{[^}]*network="silent"[^}]*\} 1/);
    // A bad NETWORKS stops the service at start with a message naming it.
    const broken = await launchService('orchestrator', {
      GRIDEX_INSTANCE: instance,
      NETWORKS: JSON.stringify([
        { id: 'Bad Id', kind: 'gridex', baseUrl: 'http://x', apiKey: 'k'.repeat(10) },
      ]),
    });
    const exit = await broken.process.exited;
    expect(exit.code).not.toBe(0);
    expect(broken.process.output.join('\n')).toMatch(/NETWORKS.*\[0\]\.id: must be lower-case/);
  }, 120_000);
});
