import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { matchingConfigSchema } from './config/matching.config';
import { matchingMigrations } from './database/migrations';

/** Matching: the order book, reservations and the routing algorithm. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'matching',
      configSchema: matchingConfigSchema,
      migrations: matchingMigrations,
    }),
  ],
})
export class MatchingModule {}
