/**
 * What benchmarks may use of rewards (`bench/rewards`): the epoch closer and the token payouts (both rails) with
 * what they need to run on a schema of the benchmark's own, and the pure emission split to check it against.
 */
export { rewardsConfigSchema } from './config/rewards.config';
export { rewardsMigrations } from './database/migrations';
export { splitEmission } from './domain/emission';
export { EpochClock } from './epochs/epoch-clock';
export { EpochCloser } from './epochs/epoch-closer.service';
export { RewardsTables } from './rewards-tables';
export { TokenAccounts, tokenSupply } from './domain/token-ledger';
export { TokenLedger } from './tokens/token-ledger';
export { OnChainTokenRail } from './chain/on-chain-token-rail';
export { VaultChain } from './chain/vault-chain';
export { OffChainTokenRail } from './tokens/token-payout-rail';
export { TokenPayouts } from './tokens/token-payouts.service';
