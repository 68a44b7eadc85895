import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@gridex/observability';
import { GridexServiceModule, SERVICE_CONFIG } from '@gridex/runtime';
import { OnChainTokenRail } from './chain/on-chain-token-rail';
import { VaultChain } from './chain/vault-chain';
import { VaultWatcher } from './chain/vault-watcher.service';
import { RewardsConfig, rewardsConfigSchema } from './config/rewards.config';
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

/** Rewards: supplier earnings, staking, epoch emissions, slashing, the token ledger and its chain, payouts. */
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
    // The chain's pieces exist only when REWARDS_CHAIN_ENABLED is true; off it, token payouts stay in the ledger.
    {
      provide: VaultChain,
      useFactory: (config: RewardsConfig) => (config.REWARDS_CHAIN_ENABLED ? new VaultChain(config) : null),
      inject: [SERVICE_CONFIG],
    },
    {
      provide: TOKEN_PAYOUT_RAIL,
      useFactory: (dataSource: DataSource, tables: RewardsTables, chain: VaultChain | null) =>
        chain ? new OnChainTokenRail(dataSource, tables, chain) : new OffChainTokenRail(),
      inject: [DataSource, RewardsTables, VaultChain],
    },
    {
      provide: VaultWatcher,
      useFactory: (
        dataSource: DataSource,
        tables: RewardsTables,
        chain: VaultChain | null,
        deposits: TokenDeposits,
        config: RewardsConfig,
        metrics: ServiceMetrics,
      ) => (chain ? new VaultWatcher(dataSource, tables, chain, deposits, config, metrics) : null),
      inject: [DataSource, RewardsTables, VaultChain, TokenDeposits, SERVICE_CONFIG, ServiceMetrics],
    },
    TokenPayouts,
    EpochCloser,
  ],
})
export class RewardsModule {}
