/**
 * The demo world on the local stack's default fleet (tools/stack/fleet/default-fleet.ts), set up through the
 * public API: two data-center suppliers (H100 and A100 pools in eu-north; H100 and A6000 in us-east) and fifty
 * individual suppliers with RTX 4090 and RTX 3090 Ti cards in five regions, each registered under the id its
 * nodes already carry, with offers and stakes; three client tenants with credit; a platform finance key for the
 * money totals. Keys are kept in .stack/demo-world.json, so a second start reuses the world instead of
 * creating it again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { GpuPoolSpec, gpuNodeName, resolveGpuProduct } from '@gridex/gpu-node-pool';
import { GridexApiError, GridexClient } from '@gridex/sdk';
import { defaultFleetPools } from '../../stack/fleet/default-fleet';

/** What each kind of pool asks per GPU-hour (USD), on demand and interruptible. */
const PRICES: Record<string, { onDemand: string; interruptible: string }> = {
  'h100-sxm': { onDemand: '2.40', interruptible: '1.40' },
  'a100-sxm': { onDemand: '1.60', interruptible: '0.90' },
  a6000: { onDemand: '0.80', interruptible: '0.45' },
  rtx4090: { onDemand: '0.40', interruptible: '0.22' },
  rtx3090ti: { onDemand: '0.25', interruptible: '0.14' },
};
/** Tokens staked per GPU: each class's minimum, so every node earns emissions. */
const STAKE_PER_GPU = { datacenter: 1000, consumer: 100 };

export const CLIENTS = [
  { name: 'Acme AI', credit: '2000.00' },
  { name: 'Vision Labs', credit: '800.00' },
  // Enough for the hold of its one job, not for running it long.
  { name: 'Tiny Startup', credit: '0.60' },
] as const;
export type ClientName = (typeof CLIENTS)[number]['name'];

export interface DemoWorld {
  baseUrl: string;
  operator: GridexClient;
  finance: GridexClient;
  clients: Record<ClientName, GridexClient>;
  /** The demo clients' tenant ids and the demo suppliers' ids, for their ledger accounts. */
  clientIds: string[];
  supplierIds: string[];
  pools: GpuPoolSpec[];
  /** Node name → region, for GPUs busy per region. */
  regionOf: Map<string, string>;
}

/** The API keys of the demo's tenants, by supplier id or client name. */
interface SavedKeys {
  finance?: string;
  clients: Record<string, string>;
  suppliers: Record<string, string>;
}

/** The default fleet's pools of the demo's suppliers: nordic-dc, atlantic-dc and home-001 … home-050. */
function demoPools(): GpuPoolSpec[] {
  return defaultFleetPools().filter(
    (p) =>
      p.supplier === 'nordic-dc' ||
      p.supplier === 'atlantic-dc' ||
      (p.supplier.startsWith('home-') && Number(p.supplier.slice(5)) <= 50),
  );
}

export async function setUpDemoWorld(
  baseUrl: string,
  operatorKey: string,
  keysFile: string,
  say: (line: string) => void,
): Promise<DemoWorld> {
  const operator = new GridexClient({ baseUrl, apiKey: operatorKey });
  const saved: SavedKeys = existsSync(keysFile)
    ? (JSON.parse(readFileSync(keysFile, 'utf8')) as SavedKeys)
    : { clients: {}, suppliers: {} };
  const save = () => writeFileSync(keysFile, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  const pools = demoPools();

  /** A client with the saved key if the gateway still accepts it, else with a key `create` makes. */
  async function withKey(savedKey: string | undefined, create: () => Promise<string>): Promise<GridexClient> {
    if (savedKey) {
      const api = new GridexClient({ baseUrl, apiKey: savedKey });
      if (
        await api.me().then(
          () => true,
          () => false,
        )
      )
        return api;
    }
    return new GridexClient({ baseUrl, apiKey: await create() });
  }

  const suppliers = [...new Set(pools.map((p) => p.supplier))];
  say(`registering ${suppliers.length} suppliers, their offers and stakes ...`);
  for (const supplierId of suppliers) {
    const own = pools.filter((p) => p.supplier === supplierId);
    const datacenter = !supplierId.startsWith('home-');
    const api = await withKey(saved.suppliers[supplierId], async () => {
      try {
        await operator.createTenant({
          id: supplierId,
          name: datacenter ? `${supplierId} data center` : `Home rig ${supplierId.slice(5)}`,
          kind: 'supplier',
          supplierKind: datacenter ? 'datacenter' : 'individual',
          region: own[0].region,
        });
      } catch (error) {
        if (!(error instanceof GridexApiError && error.code === 'TENANT.EXISTS')) throw error;
      }
      const { key } = await operator.createApiKey(supplierId, 'supplier');
      saved.suppliers[supplierId] = key;
      return key;
    });
    for (const pool of own) {
      const price = PRICES[pool.pool];
      // Inventory knows a pool once the orchestrator has reported its nodes; wait for that on a first start.
      await retry(() =>
        api.declareOffer(pool.pool, {
          pricePerGpuHour: price.onDemand,
          interruptiblePricePerGpuHour: price.interruptible,
          minLeaseSeconds: 10,
        }),
      );
    }
    const rewards = await api.rewards();
    const staked = new Set(rewards.stakes.filter((s) => s.eligible).map((s) => s.nodeId));
    const nodes = (await api.supplierNodes()).items as Array<{ nodeId: string; gpus: number }>;
    const perGpu = datacenter ? STAKE_PER_GPU.datacenter : STAKE_PER_GPU.consumer;
    const unstaked = nodes.filter((n) => !staked.has(n.nodeId));
    // Suppliers stake tokens they hold: the demo's arrive off the chain, recorded by the operator (once per
    // reference, so a restarted demo does not credit them again).
    const needed = unstaked.reduce((sum, n) => sum + perGpu * n.gpus, 0);
    if (needed > 0) {
      await operator.recordTokenDeposit(
        supplierId,
        String(needed),
        `demo-stake-${unstaked
          .map((n) => n.nodeId)
          .join('-')
          .slice(0, 150)}`,
      );
    }
    for (const node of unstaked) {
      await retry(() => api.stake(node.nodeId, String(perGpu * node.gpus)));
    }
  }
  save();

  say('opening the client tenants and topping up their credit ...');
  const clients = {} as Record<ClientName, GridexClient>;
  for (const { name, credit } of CLIENTS) {
    clients[name] = await withKey(saved.clients[name], async () => {
      const tenant = await operator.createTenant({ name, kind: 'client' });
      const { key } = await operator.createApiKey(tenant.id, 'client');
      saved.clients[name] = key;
      return key;
    });
    // Each start begins from the same balances: every client is topped up to its demo amount.
    const missing = micros(credit) - micros((await clients[name].balance()).available);
    if (missing >= 10_000n) await clients[name].addCredits(dollars(missing));
  }
  const finance = await withKey(saved.finance, async () => {
    const { key } = await operator.createApiKey('gridex', 'finance');
    saved.finance = key;
    return key;
  });
  save();

  const regionOf = new Map<string, string>();
  for (const pool of pools) {
    for (let i = 0; i < pool.count; i += 1)
      regionOf.set(gpuNodeName(pool.supplier, pool.pool, i), pool.region);
  }
  await untilSellable(operator, pools, say);
  const clientIds = await Promise.all(Object.values(clients).map(async (api) => (await api.me()).tenantId));
  return { baseUrl, operator, finance, clients, clientIds, supplierIds: suppliers, pools, regionOf };
}

/**
 * Waits until the demo's nodes are on sale: verified by the benchmark the orchestrator runs on each (a first
 * start verifies the whole fleet) and priced by their offers.
 */
async function untilSellable(operator: GridexClient, pools: GpuPoolSpec[], say: (line: string) => void) {
  const wanted = Math.floor(pools.reduce((sum, p) => sum + p.count, 0) * 0.9);
  const deadline = Date.now() + 5 * 60_000;
  let last = -1;
  for (;;) {
    const sellable = (await operator.fleet()).totals.sellableNodes;
    if (sellable >= wanted) return;
    if (Date.now() > deadline) throw new Error(`only ${sellable} of ${wanted} demo nodes became sellable`);
    if (sellable !== last) say(`nodes verified and on sale: ${sellable} of ${wanted} ...`);
    last = sellable;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** The GPU product label Kubernetes shows for a pool's product (what jobs ask for). */
export function productOf(pool: GpuPoolSpec): string {
  return resolveGpuProduct(pool.gpuProduct).label;
}

/** Retries a call the world is not ready for yet (a pool inventory has not seen, a node not yet known). */
async function retry<T>(call: () => Promise<T>, attempts = 120): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const notYet =
        error instanceof GridexApiError &&
        ['OFFER.UNKNOWN_POOL', 'REWARDS.NODE_NOT_FOUND'].includes(error.code);
      if (!notYet || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** A decimal amount of the API ("12.50", "-0.000639") in integer micro-units. */
export function micros(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  return negative ? -value : value;
}

/** Micro-units as a decimal amount for the API, rounded up to the cent ("12.50"). */
function dollars(value: bigint): string {
  const cents = (value + 9_999n) / 10_000n;
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}
