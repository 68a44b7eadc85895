import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { gatewayConfigSchema } from './config/gateway.config';
import { gatewayMigrations } from './database/migrations';

/** Gateway: the public REST API: tenants, API keys, idempotency, OpenAPI. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'gateway',
      configSchema: gatewayConfigSchema,
      migrations: gatewayMigrations,
    }),
  ],
})
export class GatewayModule {}
