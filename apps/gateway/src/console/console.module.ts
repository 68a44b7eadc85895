import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConsoleMiddleware } from './console.middleware';

/** The web console's files, on the gateway's origin (so the browser sends the API key to the API only). */
@Module({})
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ConsoleMiddleware).forRoutes('console', 'console/*path');
  }
}
