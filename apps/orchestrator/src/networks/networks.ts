import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  MAX_NETWORK_OFFERS_OBSERVED,
  money,
  NetworkOffersObserved,
  NetworkOffersObservedPayload,
  uuidv7,
} from '@gridex/contracts';
import { OutboxWriter } from '@gridex/messaging';
import {
  GridexPeerAdapter,
  NetworkAdapter,
  NetworkConfig,
  NetworkRegistry,
  parseNetworks,
} from '@gridex/networks';
import { ServiceMetrics } from '@gridex/observability';
import { PeriodicTask, SERVICE_CONFIG } from '@gridex/runtime';
import { OrchestratorConfig } from '../config/orchestrator.config';
import { WorkloadStore } from '../workloads/workload.store';

/** The adapter that speaks a network of this kind. */
function adapterFor(config: NetworkConfig): NetworkAdapter {
  switch (config.kind) {
    case 'gridex':
      return new GridexPeerAdapter(config.baseUrl, config.apiKey);
  }
}

/**
 * The other compute networks this exchange may route to (`NETWORKS`), each behind its guard. The orchestrator
 * holds them because it is where work is executed and reported as workload events, whether on a Kubernetes
 * cluster or on another network.
 */
export const networkRegistryProvider = {
  provide: NetworkRegistry,
  inject: [SERVICE_CONFIG],
  useFactory: (config: OrchestratorConfig) =>
    new NetworkRegistry(
      parseNetworks(config.NETWORKS).map((network) => ({ config: network, adapter: adapterFor(network) })),
    ),
};

/**
 * What inventory is told of a network after a refresh: its routable offers (the cheapest, up to what one event
 * carries), or that it is not to be routed to. Undefined fields are left out so equal readings compare equal.
 */
export function offersObservation(
  registry: NetworkRegistry,
  networkId: string,
  observedAt: Date,
): NetworkOffersObservedPayload {
  const config = registry.config(networkId);
  const routable = registry.routableOffers().find((n) => n.networkId === networkId);
  const offers = [...(routable?.offers ?? [])]
    .sort((a, b) => Number(BigInt(a.pricePerGpuHourMicros) - BigInt(b.pricePerGpuHourMicros)))
    .slice(0, MAX_NETWORK_OFFERS_OBSERVED);
  return {
    networkId,
    observedAt: observedAt.toISOString(),
    validUntil: new Date(observedAt.getTime() + config.offersMaxAgeSeconds * 1000).toISOString(),
    routable: routable !== undefined,
    trust: config.trust,
    feeBps: config.feeBps,
    offers: offers.map((offer) => ({
      offerId: offer.offerId,
      region: offer.region,
      gpuProduct: offer.gpuProduct,
      gpuMemoryMiB: offer.gpuMemoryMiB,
      gpusPerNode: offer.gpusPerNode,
      nodes: offer.nodes,
      interconnect: offer.interconnect,
      // The public API of every network Gridex speaks to prices in US dollars.
      pricePerGpuHour: money('USD', BigInt(offer.pricePerGpuHourMicros)),
      reliabilityBasisPoints: offer.reliabilityBps,
    })),
  };
}

/** What an observation says, its times aside. */
function sayingOf(observation: NetworkOffersObservedPayload): string {
  const { observedAt: _observed, validUntil: _valid, ...said } = observation;
  return JSON.stringify(said);
}

/**
 * Pulls every network's offers on a timer, tells inventory whenever what a network offers (or whether it may be
 * routed to) changed, and reports each network's health as metrics.
 */
@Injectable()
export class NetworkOffersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  private readonly open;
  private readonly offers;
  /** What inventory was last told of each network (times aside), and when, since this process started. */
  private readonly told = new Map<string, { said: string; at: number }>();

  constructor(
    @Inject(NetworkRegistry) private readonly registry: NetworkRegistry,
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.open = metrics.gauge(
      'network_breaker_open',
      'Whether a network’s circuit breaker is open (1) or not',
      ['network'],
    );
    this.offers = metrics.gauge('network_offers', 'Offers last seen from a network', ['network']);
    this.task = new PeriodicTask(
      new Logger(NetworkOffersService.name),
      'network offers refresh',
      config.NETWORK_OFFERS_REFRESH_SECONDS * 1000,
      () => this.refresh(),
    );
  }

  onApplicationBootstrap(): void {
    if (this.registry.ids().length > 0) this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  async refresh(now = new Date()): Promise<void> {
    await this.registry.refreshOffers();
    for (const network of this.registry.health()) {
      this.open.set({ network: network.id }, network.breaker === 'open' ? 1 : 0);
      this.offers.set({ network: network.id }, network.offers);
    }
    // Told again when something changed, or when half of what was told has run out of validity: inventory
    // withdraws offers that are not observed again in time.
    const changed = this.registry
      .ids()
      .map((id) => offersObservation(this.registry, id, now))
      .filter((observation) => {
        const last = this.told.get(observation.networkId);
        const halfLife = (this.registry.config(observation.networkId).offersMaxAgeSeconds * 1000) / 2;
        return !last || last.said !== sayingOf(observation) || now.getTime() - last.at >= halfLife;
      });
    if (changed.length === 0) return;
    await this.dataSource.transaction(async (tx) => {
      for (const observation of changed) {
        await this.outbox.emit(tx, NetworkOffersObserved, observation, {
          correlationId: uuidv7(),
          causationId: null,
        });
      }
    });
    for (const observation of changed) {
      this.told.set(observation.networkId, { said: sayingOf(observation), at: now.getTime() });
    }
  }
}

/**
 * The networks for operators (the gateway's `GET /v1/networks`): each one's health, the jobs placed there and
 * running now, its share of all launched workloads in basis points, and what it charged so far.
 */
@Controller('v1/networks')
export class NetworksController {
  constructor(
    @Inject(NetworkRegistry) private readonly registry: NetworkRegistry,
    @Inject(WorkloadStore) private readonly workloads: WorkloadStore,
  ) {}

  @Get()
  async list() {
    const [activity, launched] = await Promise.all([
      this.workloads.networkActivity(),
      this.workloads.launchedCount(),
    ]);
    return {
      items: this.registry.health().map((network) => {
        const own = activity.find((a) => a.network_id === network.id);
        const placed = own?.placed ?? 0;
        return {
          ...network,
          placed,
          running: own?.running ?? 0,
          routedShareBps: launched === 0 ? 0 : Math.round((placed * 10_000) / launched),
          chargedMicros: own?.charged_micros ?? '0',
        };
      }),
    };
  }
}
