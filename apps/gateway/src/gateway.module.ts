import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { ApiKeyGuard } from './auth/api-key.guard';
import { gatewayConfigSchema } from './config/gateway.config';
import { gatewayMigrations } from './database/migrations';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { OpenApiController } from './openapi/openapi.controller';
import { TenantsController } from './tenants/tenants.controller';

/** Gateway: the public REST API: tenants, API keys, idempotency, OpenAPI. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'gateway',
      configSchema: gatewayConfigSchema,
      migrations: gatewayMigrations,
    }),
  ],
  controllers: [TenantsController, OpenApiController],
  providers: [ApiKeyGuard, IdempotencyInterceptor],
})
export class GatewayModule {}
