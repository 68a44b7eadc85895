import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { DataSource, MigrationInterface } from 'typeorm';
import { z } from 'zod';
import { KafkaEndpoint } from '@gridex/kafka-client';
import { messagingMigrations, OutboxRelay, OutboxWriter } from '@gridex/messaging';
import { JsonLogger, ServiceMetrics } from '@gridex/observability';
import { openServiceDataSource } from '@gridex/persistence';
import { BaseConfig, parseServiceConfig } from '../config/service-config';
import { CorrelationMiddleware } from '../http/correlation.middleware';
import { HealthController } from '../http/health.controller';
import { MetricsController } from '../http/metrics.controller';
import { ProblemDetailsFilter } from '../http/problem-details';
import { MessagingLifecycle } from './messaging-lifecycle';
import { KAFKA_ENDPOINT, SERVICE_CONFIG, SERVICE_NAME } from './service-tokens';

export interface GridexServiceOptions {
  /** Lower-case service name: metrics prefix, default schema, consumer group `gridex-<service>`. */
  service: string;
  /** The service's configuration schema: `baseConfigSchema(...)`, possibly extended. */
  configSchema: z.ZodObject;
  /** The service's own migrations; the messaging tables migration is added in front. */
  migrations: Array<new () => MigrationInterface>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: Function[];
}

/**
 * Everything a Gridex service process has in common: validated configuration, JSON logs, metrics, its database
 * schema (migrated at start), Kafka, the outbox relay and the inbox consumer, `/healthz`, `/readyz` and
 * `/metrics`, correlation ids on every request, and an orderly stop. An app imports this once and adds its
 * features; its event handlers are providers marked `@ConsumesEvents()`.
 */
@Module({})
export class GridexServiceModule implements NestModule {
  static forRoot(options: GridexServiceOptions): DynamicModule {
    const { service, configSchema } = options;
    return {
      module: GridexServiceModule,
      global: true,
      imports: [
        DiscoveryModule,
        ConfigModule.forRoot({
          isGlobal: true,
          // Local runs read the stack's connection settings; real environment variables win over the file.
          envFilePath: ['.stack/env'],
          validate: (raw) => parseServiceConfig(service, configSchema, raw),
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_NAME, useValue: service },
        {
          provide: SERVICE_CONFIG,
          inject: [ConfigService],
          useFactory: (config: ConfigService) =>
            Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, config.get(key)])),
        },
        {
          provide: JsonLogger,
          inject: [SERVICE_CONFIG],
          useFactory: (config: BaseConfig) => new JsonLogger(service, config.LOG_LEVEL),
        },
        { provide: ServiceMetrics, useFactory: () => new ServiceMetrics(service) },
        {
          provide: DataSource,
          inject: [SERVICE_CONFIG],
          useFactory: (config: BaseConfig) =>
            openServiceDataSource({
              url: config.DATABASE_URL,
              schema: config.DATABASE_SCHEMA,
              migrations: [...messagingMigrations, ...options.migrations],
              entities: options.entities,
              poolSize: config.DATABASE_POOL_SIZE,
              applicationName: `gridex-${service}`,
            }),
        },
        {
          provide: KAFKA_ENDPOINT,
          inject: [SERVICE_CONFIG],
          useFactory: (config: BaseConfig): KafkaEndpoint => ({
            brokers: config.KAFKA_BROKERS,
            clientId: `gridex-${service}`,
          }),
        },
        {
          provide: OutboxWriter,
          inject: [SERVICE_CONFIG],
          useFactory: (config: BaseConfig) => new OutboxWriter(config.DATABASE_SCHEMA),
        },
        {
          provide: OutboxRelay,
          inject: [SERVICE_CONFIG, DataSource, KAFKA_ENDPOINT, ServiceMetrics],
          useFactory: (
            config: BaseConfig,
            dataSource: DataSource,
            kafka: KafkaEndpoint,
            metrics: ServiceMetrics,
          ) =>
            new OutboxRelay({
              dataSource,
              schema: config.DATABASE_SCHEMA,
              kafka,
              metrics,
              idlePollMs: config.OUTBOX_POLL_INTERVAL_MS,
            }),
        },
        MessagingLifecycle,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [
        SERVICE_CONFIG,
        SERVICE_NAME,
        JsonLogger,
        ServiceMetrics,
        DataSource,
        KAFKA_ENDPOINT,
        OutboxWriter,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*');
  }
}
