import { CoreV1Api } from '@kubernetes/client-node';
import { buildGpuPool, NodeManifest } from '@gridex/gpu-node-pool';
import { GridexClient } from '@gridex/sdk';
import { dropSchema, eventually, provisionInstanceTopics } from './real-stack';
import { removeInstance } from './test-instances';
import { launchService, LaunchedService, untilReady } from './service-process';
import { testKubeConfig } from './kubernetes';

/** Throws `what` unless `holds`: the helpers here run in benchmarks too, outside Jest. */
function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(what);
}

export interface Tenant {
  id: string;
  api: GridexClient;
  /** Its API key (what another exchange would hold as its credentials here). */
  key: string;
}

/**
 * One Gridex exchange started for a test: its six services (of the default instance, or of a `GRIDEX_INSTANCE`
 * of its own on the shared stack), an operator client, and the stories' usual setup — clients with credit,
 * suppliers, GPU pools of simulated nodes that only this exchange's orchestrator sells (by the run's label).
 */
export class ExchangeUnderTest {
  readonly services: LaunchedService[] = [];
  readonly nodes: NodeManifest[] = [];
  readonly core = testKubeConfig().makeApiClient(CoreV1Api);
  operator!: GridexClient;
  gatewayUrl!: string;

  constructor(
    /** Labels this exchange's nodes; its orchestrator sells only those. */
    readonly run: string,
    private readonly options: {
      operatorKey: string;
      instance?: string;
      env?: Partial<
        Record<
          'billing' | 'inventory' | 'rewards' | 'matching' | 'orchestrator' | 'gateway',
          Record<string, string>
        >
      >;
    },
  ) {}

  /** Starts the six services and waits until each is ready. */
  async start(): Promise<void> {
    const { instance, env = {} } = this.options;
    if (instance) await provisionInstanceTopics(instance);
    const launch = async (
      service: keyof NonNullable<typeof this.options.env>,
      own: Record<string, string> = {},
    ) => {
      const launched = await launchService(service, {
        LOG_LEVEL: 'warn',
        ...(instance ? { GRIDEX_INSTANCE: instance } : {}),
        ...own,
        ...env[service],
      });
      this.services.push(launched);
      return launched;
    };
    const billing = await launch('billing');
    const inventory = await launch('inventory');
    const rewards = await launch('rewards');
    await launch('matching');
    const orchestrator = await launch('orchestrator', { GPU_NODE_SELECTOR: `gridex.io/e2e-run=${this.run}` });
    const gateway = await launch('gateway', {
      GRIDEX_OPERATOR_KEY: this.options.operatorKey,
      GATEWAY_KDF_COST: '12',
      GATEWAY_BILLING_URL: billing.url,
      GATEWAY_INVENTORY_URL: inventory.url,
      GATEWAY_REWARDS_URL: rewards.url,
      GATEWAY_ORCHESTRATOR_URL: orchestrator.url,
    });
    await Promise.all(this.services.map((service) => untilReady(service)));
    this.gatewayUrl = gateway.url;
    this.operator = new GridexClient({ baseUrl: gateway.url, apiKey: this.options.operatorKey });
  }

  /**
   * The `NETWORKS` entry through which another exchange routes to this one as network `id`, with the key of
   * `account` (the other exchange's client account here); `settings` override the defaults.
   */
  asNetwork(id: string, account: Tenant, settings: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id,
      kind: 'gridex',
      baseUrl: this.gatewayUrl,
      apiKey: account.key,
      trust: 'trusted',
      timeoutMs: 10_000,
      ...settings,
    };
  }

  /**
   * Removes its nodes (and lets the removals reach the feed), stops its services and drops their schemas; an
   * exchange on an instance of its own takes its topics and namespaces with it.
   */
  async stop(owners: readonly Tenant[] = []): Promise<void> {
    for (const node of this.nodes)
      await this.core.deleteNode({ name: node.metadata.name }).catch(() => undefined);
    for (const owner of owners) {
      await eventually(async () => {
        const left = (await owner.api.supplierNodes()).items.length;
        check(left === 0, `${left} node(s) of ${owner.id} still listed`);
      }, 30_000).catch(() => undefined);
    }
    for (const service of [...this.services].reverse()) {
      await service.process.kill();
      await dropSchema(service.schema);
    }
    if (this.options.instance) await removeInstance(this.options.instance);
  }

  /** A client tenant with its key, topped up with `credit` USD when given. */
  async client(name: string, credit?: string): Promise<Tenant> {
    const tenant = await this.operator.createTenant({ name, kind: 'client' });
    const { key } = await this.operator.createApiKey(tenant.id, 'client');
    const api = new GridexClient({ baseUrl: this.gatewayUrl, apiKey: key });
    if (credit) {
      const topUp = await api.addCredits(credit);
      await eventually(async () => {
        const { status } = await api.topUp(topUp.topUpId);
        check(status === 'credited', `top-up ${topUp.topUpId} is ${status}`);
      });
      await eventually(async () => {
        const { available } = await api.balance();
        check(available === credit, `balance is ${available}, not ${credit}`);
      });
    }
    return { id: tenant.id, api, key };
  }

  async supplier(name: string, supplierKind: 'datacenter' | 'individual', region: string): Promise<Tenant> {
    const tenant = await this.operator.createTenant({ name, kind: 'supplier', supplierKind, region });
    const { key } = await this.operator.createApiKey(tenant.id, 'supplier');
    return { id: tenant.id, api: new GridexClient({ baseUrl: this.gatewayUrl, apiKey: key }), key };
  }

  /** Puts a supplier's pool into the cluster and waits until inventory lists its nodes. */
  async addPool(
    owner: Tenant,
    pool: {
      pool: string;
      region: string;
      gpuProduct: string;
      gpusPerNode: number;
      count: number;
      firstIndex?: number;
    },
  ): Promise<NodeManifest[]> {
    const built = buildGpuPool({
      supplier: owner.id,
      interconnect: pool.gpusPerNode > 1 ? 'nvlink' : 'pcie',
      labels: { 'gridex.io/e2e-run': this.run },
      ...pool,
    });
    for (const node of built) await this.core.createNode({ body: node });
    this.nodes.push(...built);
    await eventually(async () => {
      const listed = (await owner.api.supplierNodes()).items.filter((n) => n.pool === pool.pool);
      const wanted = (pool.firstIndex ?? 0) + pool.count;
      check(listed.length >= wanted, `${listed.length} of ${wanted} nodes of pool ${pool.pool} listed`);
    }, 60_000);
    return built;
  }

  /** Waits until every node of the owner is verified by the benchmark and sellable. */
  async untilSellable(owner: Tenant): Promise<void> {
    await eventually(async () => {
      const listed = (await owner.api.supplierNodes()).items;
      const sellable = listed.filter((n) => n.verification === 'verified' && n.schedulable === true).length;
      check(
        listed.length > 0 && sellable === listed.length,
        `${sellable} of ${listed.length} nodes sellable`,
      );
    }, 90_000);
  }
}
