import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
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

/** The adapter that speaks a network of this kind. */
function adapterFor(config: NetworkConfig): NetworkAdapter {
  switch (config.kind) {
    case 'gridex':
      return new GridexPeerAdapter(config.baseUrl, config.apiKey, config.peerTakeBps);
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

/** Pulls every network's offers on a timer and reports each network's health as metrics. */
@Injectable()
export class NetworkOffersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  private readonly open;
  private readonly offers;

  constructor(
    @Inject(NetworkRegistry) private readonly registry: NetworkRegistry,
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
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

  async refresh(): Promise<void> {
    await this.registry.refreshOffers();
    for (const network of this.registry.health()) {
      this.open.set({ network: network.id }, network.breaker === 'open' ? 1 : 0);
      this.offers.set({ network: network.id }, network.offers);
    }
  }
}

/** The networks' health for operators (the gateway's `GET /v1/networks`). */
@Controller('v1/networks')
export class NetworksController {
  constructor(@Inject(NetworkRegistry) private readonly registry: NetworkRegistry) {}

  @Get()
  list() {
    return { items: this.registry.health() };
  }
}
