import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { KafkaEndpoint } from '@gridex/kafka-client';
import {
  EventHandler,
  InboxConsumer,
  OutboxRelay,
  RequestHandler,
  RequestResponder,
} from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import type { BaseConfig } from '../config/service-config';
import { AnswersRequests, ConsumesEvents } from './event-handler.decorator';
import { KAFKA_ENDPOINT, SERVICE_CONFIG } from './service-tokens';

/**
 * Orders start and stop of the messaging parts around the database:
 * start: relay, then consumer (so effects of consumed events can be published at once), then request
 * responders; stop (SIGTERM): responders, then the consumer (its in-flight batch finishes and commits), then the relay publishes everything
 * committed so far, and only then the database pool closes.
 */
@Injectable()
export class MessagingLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(MessagingLifecycle.name);
  private consumer?: InboxConsumer;
  private responders: Array<RequestResponder<unknown, unknown>> = [];

  constructor(
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ServiceMetrics) private readonly metrics: ServiceMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: BaseConfig,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(KAFKA_ENDPOINT) private readonly endpoint: KafkaEndpoint,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.discovery
      .getProviders({ metadataKey: ConsumesEvents.KEY })
      .map((wrapper) => wrapper.instance as EventHandler<unknown>);
    this.consumer = new InboxConsumer({
      dataSource: this.dataSource,
      schema: this.config.DATABASE_SCHEMA,
      kafka: this.endpoint,
      metrics: this.metrics,
      groupId: this.config.KAFKA_CONSUMER_GROUP,
      handlers,
      partitionsConsumedConcurrently: this.config.CONSUMER_PARTITIONS_CONCURRENTLY,
    });
    this.responders = this.discovery
      .getProviders({ metadataKey: AnswersRequests.KEY })
      .map((wrapper) => wrapper.instance as RequestHandler<unknown, unknown>)
      .map(
        (handler) =>
          new RequestResponder({
            kafka: this.endpoint,
            groupId: `${this.config.KAFKA_CONSUMER_GROUP}-${handler.groupSuffix}`,
            request: handler.request,
            answer: handler.answer,
            respond: (request) => handler.respond(request),
          }),
      );
    await this.relay.start();
    await this.consumer.start();
    for (const responder of this.responders) await responder.start();
    this.logger.log(
      this.consumer.topics.length > 0
        ? `consuming ${this.consumer.topics.join(', ')}`
        : 'no event handlers: not consuming',
    );
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`stopping (${signal ?? 'close'}): finishing in-flight events, flushing the outbox`);
    for (const responder of this.responders) await responder.stop();
    await this.consumer?.stop();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.logger.log('stopped');
  }
}
