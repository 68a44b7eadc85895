import { z } from 'zod';
import {
  baseConfigSchema,
  bigIntFromEnv,
  booleanFromEnv,
  commaSeparatedList,
  intFromEnv,
} from '@gridex/runtime';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address');

/** Settings that only matter, and are then all required, when the chain is on. */
const CHAIN_REQUIRED = [
  'REWARDS_CHAIN_RPC_URL',
  'REWARDS_CHAIN_ID',
  'REWARDS_TOKEN_ADDRESS',
  'REWARDS_VAULT_ADDRESS',
  'REWARDS_CHAIN_PLATFORM_KEY',
] as const;

const units = (what: string) => bigIntFromEnv('token base units (1 token = 1000000)').describe(what);
const micros = (what: string) => bigIntFromEnv('micro-units of the currency').describe(what);

/** Rewards's settings, read from the environment and validated at start. */
export const rewardsConfigSchema = baseConfigSchema({ port: 8085, schema: 'rewards' })
  .extend({
    REWARDS_EPOCH_SECONDS: intFromEnv(1, 30 * 86_400)
      .prefault('3600')
      .describe('Length of an emission epoch'),
    REWARDS_GENESIS: z
      .string()
      .default('2026-01-01T00:00:00.000Z')
      .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 timestamp')
      .transform((value) => new Date(value))
      .describe('Start of epoch 0; epoch n covers [genesis + n × length, genesis + (n + 1) × length)'),
    REWARDS_EMISSION_INITIAL_UNITS: units('Tokens emitted by epoch 0').prefault('1000000000'),
    REWARDS_EMISSION_DECAY_BPS: intFromEnv(0, 10_000)
      .prefault('100')
      .describe('Budget decay per step, basis points'),
    REWARDS_EMISSION_DECAY_EVERY_EPOCHS: intFromEnv(1, 1_000_000)
      .prefault('168')
      .describe('Epochs per decay step'),
    REWARDS_MIN_UPTIME_BPS: intFromEnv(0, 10_000)
      .prefault('8000')
      .describe('Share of the epoch a node must be online (Ready and verified) to be eligible'),
    REWARDS_DATACENTER_GPU_PRODUCTS: commaSeparatedList(/^[A-Za-z0-9._-]+$/, 'GPU product prefixes')
      .prefault('H100,H200,B200,GB200,A100,L40S,MI300')
      .describe('GPU products (by prefix) of the data-center class; every other product is consumer class'),
    REWARDS_MIN_STAKE_PER_GPU_DATACENTER: units('Minimum stake per data-center GPU').prefault('1000000000'),
    REWARDS_MIN_STAKE_PER_GPU_CONSUMER: units('Minimum stake per consumer GPU').prefault('100000000'),
    REWARDS_CLASS_WEIGHT_DATACENTER: intFromEnv(1, 1000).prefault('4'),
    REWARDS_CLASS_WEIGHT_CONSUMER: intFromEnv(1, 1000).prefault('1'),
    REWARDS_STAKE_MULTIPLIER_CAP_BPS: intFromEnv(10_000, 100_000)
      .prefault('20000')
      .describe('Highest emission boost from staking above the minimum (20000 = 2×)'),
    REWARDS_UNBONDING_SECONDS: intFromEnv(0, 365 * 86_400).prefault(String(7 * 86_400)),
    REWARDS_UNSTAKE_COOLDOWN_SECONDS: intFromEnv(0, 365 * 86_400).prefault('86400'),
    REWARDS_SLASH_BASE_BPS: intFromEnv(0, 10_000)
      .prefault('100')
      .describe('Share of stake slashed for a first fault'),
    REWARDS_SLASH_REPEAT_MULTIPLIER: intFromEnv(1, 100)
      .prefault('2')
      .describe('Factor per repeat within the window'),
    REWARDS_SLASH_MAX_BPS: intFromEnv(0, 10_000).prefault('2000'),
    REWARDS_SLASH_WINDOW_SECONDS: intFromEnv(1, 365 * 86_400).prefault(String(30 * 86_400)),
    REWARDS_MIN_PAYOUT_MICROS: micros('Smallest money payout a supplier may claim').prefault('10000000'),
    REWARDS_MIN_PAYOUT_UNITS: units('Smallest token payout a supplier may claim').prefault('10000000'),
    REWARDS_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
      .default('USD'),
    REWARDS_TOKEN_SYMBOL: z
      .string()
      .regex(/^[A-Z0-9]{2,12}$/, 'must be 2 to 12 capital letters or digits')
      .default('GDX')
      .describe("The reward token's symbol, recorded on every token ledger transaction"),
    REWARDS_TOKEN_PAYOUT_CHECK_SECONDS: intFromEnv(1, 3600)
      .prefault('2')
      .describe('How often claimed tokens are paid out (and submitted transfers checked)'),
    REWARDS_EPOCH_CHECK_SECONDS: intFromEnv(1, 3600)
      .prefault('5')
      .describe('How often ended epochs are looked for'),
    REWARDS_CHAIN_ENABLED: booleanFromEnv()
      .default(false)
      .describe(
        'Tokens enter (vault deposits) and leave (payouts) on an EVM chain; off: token payouts stay in the ledger',
      ),
    REWARDS_CHAIN_RPC_URL: z.url().optional().describe("The chain's JSON-RPC endpoint"),
    REWARDS_CHAIN_ID: intFromEnv(1, 2_147_483_647).optional(),
    REWARDS_TOKEN_ADDRESS: address.optional().describe('The GDX token contract'),
    REWARDS_VAULT_ADDRESS: address.optional().describe('The rewards vault contract (deposits and payouts)'),
    REWARDS_CHAIN_PLATFORM_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key')
      .optional()
      .describe("The vault owner's key, which signs payouts (from a secret, never a values file)"),
    REWARDS_CHAIN_START_BLOCK: bigIntFromEnv('block number')
      .prefault('0')
      .describe(
        "The first block read for deposits: the vault's deployment block (nothing before it is the vault's)",
      ),
    REWARDS_CHAIN_CONFIRMATIONS: intFromEnv(1, 1000)
      .prefault('3')
      .describe(
        'Blocks on top of a deposit before it is credited (a reorganisation shallower than this is harmless)',
      ),
    REWARDS_CHAIN_POLL_SECONDS: intFromEnv(1, 3600)
      .prefault('2')
      .describe('How often the chain is read for new blocks'),
  })
  .superRefine((config, context) => {
    if (!config.REWARDS_CHAIN_ENABLED) return;
    for (const name of CHAIN_REQUIRED) {
      if (config[name] === undefined) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'is required when REWARDS_CHAIN_ENABLED=true',
        });
      }
    }
  });

export type RewardsConfig = z.infer<typeof rewardsConfigSchema>;
