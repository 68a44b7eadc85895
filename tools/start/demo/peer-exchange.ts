/**
 * The demo's peer network: a second Gridex exchange on the same stack (GRIDEX_INSTANCE `peer`, ports 8090–8095)
 * selling four 8 × H100 nodes of its own in eu-west, which the demo's exchange routes to as network `peer` when
 * its own capacity is short. The peer's nodes carry `gridex.io/exchange=peer`, and the demo's orchestrator sells
 * every GPU node but those. Its keys are kept in .stack/peer-world.json, so a second start reuses its world.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildGpuPool } from '@gridex/gpu-node-pool';
import { GridexApiError, GridexClient } from '@gridex/sdk';
import { createAdmin, ensureTopicLayout } from '@gridex/kafka-client';
import { applyNodes } from '../../stack/fleet/apply-fleet';
import { stackAdminRest } from '../../stack/kubernetes/kube-rest';
import { micros } from './demo-world';

export const PEER_INSTANCE = 'peer';
export const PEER_NETWORK_ID = 'peer';
export const PEER_REGION = 'eu-west';
/** The label that keeps the peer's nodes out of the demo exchange's own fleet. */
export const PEER_NODE_LABEL = { 'gridex.io/exchange': 'peer' } as const;
/** The demo exchange's orchestrator sells every GPU node except the peer's. */
export const HOME_NODE_SELECTOR = 'nvidia.com/gpu.present=true,gridex.io/exchange!=peer';

export const PEER_SERVICES: ReadonlyArray<{ name: string; port: number }> = [
  { name: 'gateway', port: 8090 },
  { name: 'inventory', port: 8091 },
  { name: 'matching', port: 8092 },
  { name: 'orchestrator', port: 8093 },
  { name: 'billing', port: 8094 },
  { name: 'rewards', port: 8095 },
];

interface PeerKeys {
  operator: string;
  supplier?: string;
  aggregator?: string;
}

/** The peer's settings: its instance, its own operator key, chain off, and where its gateway finds the others. */
export function peerEnvironment(keysFile: string): Record<string, string> {
  const url = (name: string) => `http://127.0.0.1:${PEER_SERVICES.find((s) => s.name === name)?.port}`;
  return {
    GRIDEX_INSTANCE: PEER_INSTANCE,
    GRIDEX_OPERATOR_KEY: peerKeys(keysFile).operator,
    GPU_NODE_SELECTOR: `${Object.keys(PEER_NODE_LABEL)[0]}=${Object.values(PEER_NODE_LABEL)[0]}`,
    GATEWAY_INVENTORY_URL: url('inventory'),
    GATEWAY_BILLING_URL: url('billing'),
    GATEWAY_REWARDS_URL: url('rewards'),
    GATEWAY_ORCHESTRATOR_URL: url('orchestrator'),
    BILLING_CHAIN_ENABLED: 'false',
    REWARDS_CHAIN_ENABLED: 'false',
    STOP_GRACE_SECONDS: '1',
  };
}

/** The peer's topics (its instance's copy of the layout), before its services start. */
export async function ensurePeerTopics(brokers: string): Promise<void> {
  const admin = createAdmin({ clientId: 'gridex-start', brokers: brokers.split(',') });
  try {
    await ensureTopicLayout(admin, PEER_INSTANCE);
  } finally {
    await admin.close();
  }
}

function peerKeys(keysFile: string): PeerKeys {
  if (existsSync(keysFile)) return JSON.parse(readFileSync(keysFile, 'utf8')) as PeerKeys;
  const keys: PeerKeys = { operator: `gdx_operator_${randomBytes(24).toString('hex')}` };
  writeFileSync(keysFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/**
 * Sets up the peer's world through its API: a data-center supplier with the four H100 nodes (created here),
 * offered at 2.20 per GPU-hour and verified; a client account for the demo exchange with credit. Returns the
 * `NETWORKS` setting through which the demo exchange routes to it.
 */
export async function setUpPeerWorld(keysFile: string, say: (line: string) => void): Promise<string> {
  const keys = peerKeys(keysFile);
  const baseUrl = `http://127.0.0.1:${PEER_SERVICES[0].port}`;
  const operator = new GridexClient({ baseUrl, apiKey: keys.operator });
  const save = () => writeFileSync(keysFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  const working = async (key: string | undefined) =>
    key !== undefined &&
    (await new GridexClient({ baseUrl, apiKey: key }).me().then(
      () => true,
      () => false,
    ));

  say('the peer network: a second exchange with 4 × 8 H100 in eu-west ...');
  if (!(await working(keys.supplier))) {
    await operator
      .createTenant({
        id: 'peer-dc',
        name: 'Peer data center',
        kind: 'supplier',
        supplierKind: 'datacenter',
        region: PEER_REGION,
      })
      .catch((error: unknown) => {
        if (!(error instanceof GridexApiError && error.code === 'TENANT.EXISTS')) throw error;
      });
    keys.supplier = (await operator.createApiKey('peer-dc', 'supplier')).key;
    save();
  }
  const rest = stackAdminRest();
  try {
    await applyNodes(
      rest,
      buildGpuPool({
        supplier: 'peer-dc',
        pool: 'h100-sxm',
        region: PEER_REGION,
        gpuProduct: 'H100-80GB',
        gpusPerNode: 8,
        count: 4,
        interconnect: 'infiniband',
        labels: { ...PEER_NODE_LABEL },
      }),
    );
  } finally {
    rest.close();
  }
  const supplier = new GridexClient({ baseUrl, apiKey: keys.supplier as string });
  await waitFor('the peer’s pool in its inventory', async () => {
    try {
      await supplier.declareOffer('h100-sxm', { pricePerGpuHour: '2.20', minLeaseSeconds: 10 });
      return true;
    } catch (error) {
      if (error instanceof GridexApiError && error.code === 'OFFER.UNKNOWN_POOL') return false;
      throw error;
    }
  });
  await waitFor('the peer’s nodes verified and on sale', async () => {
    const nodes = (await supplier.supplierNodes()).items as Array<{ schedulable?: boolean }>;
    return nodes.length >= 4 && nodes.every((n) => n.schedulable === true);
  });
  if (!(await working(keys.aggregator))) {
    const account = await operator.createTenant({ name: 'Gridex (aggregator account)', kind: 'client' });
    keys.aggregator = (await operator.createApiKey(account.id, 'client')).key;
    save();
  }
  const aggregator = new GridexClient({ baseUrl, apiKey: keys.aggregator as string });
  if (micros((await aggregator.balance()).available) < 5_000_000_000n)
    await aggregator.addCredits('10000.00');
  return JSON.stringify([
    {
      id: PEER_NETWORK_ID,
      kind: 'gridex',
      baseUrl,
      apiKey: keys.aggregator,
      feeBps: 1000,
      trust: 'trusted',
      timeoutMs: 10_000,
    },
  ]);
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
