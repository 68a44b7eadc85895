import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { rewardsConfigSchema } from './config/rewards.config';
import { rewardsMigrations } from './database/migrations';

/** Rewards: supplier earnings, staking, epoch emissions, slashing and payouts. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'rewards',
      configSchema: rewardsConfigSchema,
      migrations: rewardsMigrations,
    }),
  ],
})
export class RewardsModule {}
