import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { rewardsConfigSchema } from './config/rewards.config';
import { rewardsMigrations } from './database/migrations';
import { EarnOnSettlementHandler } from './earnings/settlement.handler';
import { EpochClock } from './epochs/epoch-clock';
import { EpochCloser } from './epochs/epoch-closer.service';
import { NodeFeedHandler, SupplierFaultHandler } from './nodes/node-feed.handlers';
import { PayoutsService } from './payouts/payouts.service';
import { RewardsTables } from './rewards-tables';
import { SlashingService } from './slashing/slashing.service';
import { StakingService } from './staking/staking.service';
import { EpochsController, SuppliersController } from './suppliers.controller';

/** Rewards: supplier earnings, staking, epoch emissions, slashing and payouts. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'rewards',
      configSchema: rewardsConfigSchema,
      migrations: rewardsMigrations,
    }),
  ],
  controllers: [SuppliersController, EpochsController],
  providers: [
    RewardsTables,
    EpochClock,
    SlashingService,
    NodeFeedHandler,
    SupplierFaultHandler,
    EarnOnSettlementHandler,
    StakingService,
    PayoutsService,
    EpochCloser,
  ],
})
export class RewardsModule {}
