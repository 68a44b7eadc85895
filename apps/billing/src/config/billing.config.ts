import { z } from 'zod';
import { baseConfigSchema, bigIntFromEnv, booleanFromEnv, intFromEnv } from '@gridex/runtime';

const micros = (what: string) => bigIntFromEnv('micro-units (e.g. 5000000 = 5.00)').describe(what);

/** Settings that only matter, and are then all required, when compute credits can leave for the chain. */
const CHAIN_REQUIRED = [
  'BILLING_CHAIN_RPC_URL',
  'BILLING_CHAIN_ID',
  'BILLING_COMPUTE_CREDITS_ADDRESS',
  'BILLING_CHAIN_KEY',
] as const;

/** Billing's settings, read from the environment and validated at start. */
export const billingConfigSchema = baseConfigSchema({ port: 8084, schema: 'billing' })
  .extend({
    // Two partitions at a time: a batch locks its tenants (every batch of a busy tenant waits for the one
    // before), so more would only queue; two let one batch decode, dedupe and wait for the lock while the other
    // holds it (measured: +12 % events/s in bench:billing over one at a time). Locks are taken in one order
    // (tenants by id, then balances by account in one statement), so batches cannot deadlock.
    CONSUMER_PARTITIONS_CONCURRENTLY: intFromEnv(1, 64).prefault('2'),
    BILLING_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD')
      .default('USD')
      .describe('The currency of the ledger; prices in another currency are refused'),
    BILLING_HOLD_MARGIN_BPS: intFromEnv(0, 100_000)
      .prefault('2000')
      .describe('Safety margin on a hold, basis points of the expected cost (2000 = 20 %)'),
    BILLING_ACCRUAL_INTERVAL_SECONDS: intFromEnv(1, 86_400)
      .prefault('60')
      .describe('How often running jobs are charged for the seconds they used so far'),
    BILLING_EXHAUSTION_HORIZON_SECONDS: intFromEnv(1, 86_400)
      .prefault('120')
      .describe('A tenant whose funds cannot cover its running jobs for this long has its work stopped'),
    BILLING_DEFAULT_CREDIT_LIMIT_MICROS: micros(
      'How far below zero a new tenant may go (0: prepaid only)',
    ).prefault('0'),
    BILLING_MAX_TOP_UP_MICROS: micros('Largest single top-up accepted').prefault('100000000000'),
    BILLING_INVOICE_PERIOD: z
      .enum(['month', 'week', 'day', 'hour', 'minute'])
      .default('month')
      .describe('Invoice period (UTC); usage belongs to the period in which it was settled'),
    BILLING_INVOICE_CHECK_SECONDS: intFromEnv(1, 86_400)
      .prefault('60')
      .describe('How often closed periods are looked for and invoiced'),
    BILLING_TAKE_RATE_BPS: intFromEnv(0, 10_000)
      .prefault('1500')
      .describe(
        "Platform take on a capacity commitment's ask when its compute credits are sold, basis points " +
          '(set it to the MATCHING_TAKE_RATE_BPS the market uses)',
      ),
    BILLING_CREDIT_EXPIRY_CHECK_SECONDS: intFromEnv(1, 86_400)
      .prefault('60')
      .describe('How often expired compute credits are looked for and their unused part forfeited'),
    BILLING_PAYOUT_CHECK_SECONDS: intFromEnv(1, 86_400)
      .prefault('2')
      .describe('How often payouts in flight are handed to the payout provider'),
    BILLING_CHAIN_ENABLED: booleanFromEnv()
      .default(false)
      .describe('Compute credits can be withdrawn to wallets as ERC-1155 tokens and redeemed back'),
    BILLING_CHAIN_RPC_URL: z.url().optional().describe("The chain's JSON-RPC endpoint"),
    BILLING_CHAIN_ID: intFromEnv(1, 2_147_483_647).optional(),
    BILLING_COMPUTE_CREDITS_ADDRESS: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
      .optional()
      .describe('The ComputeCredits (ERC-1155) contract'),
    BILLING_CHAIN_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key')
      .optional()
      .describe("The key that owns the ComputeCredits contract (billing's own, not rewards')"),
    BILLING_CHAIN_START_BLOCK: bigIntFromEnv('block number')
      .prefault('0')
      .describe("The first block read for redemptions: the contract's deployment block"),
    BILLING_CHAIN_CONFIRMATIONS: intFromEnv(1, 1000)
      .prefault('3')
      .describe('Blocks on top of a redemption (or a mint) before it counts'),
    BILLING_CHAIN_POLL_SECONDS: intFromEnv(1, 3600)
      .prefault('2')
      .describe('How often the chain is read for redemptions and pending mints'),
  })
  .superRefine((config, context) => {
    if (!config.BILLING_CHAIN_ENABLED) return;
    for (const name of CHAIN_REQUIRED) {
      if (config[name] === undefined) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'is required when BILLING_CHAIN_ENABLED=true',
        });
      }
    }
  });

export type BillingConfig = z.infer<typeof billingConfigSchema>;
