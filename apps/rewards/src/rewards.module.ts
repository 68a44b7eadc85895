import { Module } from '@nestjs/common';
import { GridexServiceModule } from '@gridex/runtime';
import { rewardsConfigSchema } from './config/rewards.config';
import { rewardsMigrations } from './database/migrations';
import { EarnOnSettlementHandler } from './earnings/settlement.handler';
import { EpochClock } from './epochs/epoch-clock';
import { EpochCloser } from './epochs/epoch-closer.service';
import { NodeFeedHandler, SupplierFaultHandler } from './nodes/node-feed.handlers';
import { PayoutStatusOnPayoutSettledHandler } from './payouts/payout-settled.handler';
import { PayoutsService } from './payouts/payouts.service';
import { RewardsTables } from './rewards-tables';
import { SlashingService } from './slashing/slashing.service';
import { StakingService } from './staking/staking.service';
import { TokenDeposits } from './tokens/token-deposits.service';
import { TokenLedger } from './tokens/token-ledger';
import { OffChainTokenRail, TOKEN_PAYOUT_RAIL } from './tokens/token-payout-rail';
import { TokenPayouts } from './tokens/token-payouts.service';
import { EpochsController, SuppliersController, TokensController } from './suppliers.controller';

/** Rewards: supplier earnings, staking, epoch emissions, slashing and payouts. */
@Module({
  imports: [
    GridexServiceModule.forRoot({
      service: 'rewards',
      configSchema: rewardsConfigSchema,
      migrations: rewardsMigrations,
    }),
  ],
  controllers: [SuppliersController, EpochsController, TokensController],
  providers: [
    RewardsTables,
    TokenLedger,
    TokenDeposits,
    EpochClock,
    SlashingService,
    NodeFeedHandler,
    SupplierFaultHandler,
    EarnOnSettlementHandler,
    StakingService,
    PayoutsService,
    PayoutStatusOnPayoutSettledHandler,
    { provide: TOKEN_PAYOUT_RAIL, useClass: OffChainTokenRail },
    TokenPayouts,
    EpochCloser,
  ],
})
export class RewardsModule {}
