import { z } from 'zod';
import { baseConfigSchema, intFromEnv } from '@gridex/runtime';

const weight = (fallback: string) =>
  z.coerce
    .number({ error: 'must be a number' })
    .refine((value) => Number.isFinite(value) && value >= 0, 'must be a finite number ≥ 0')
    .prefault(fallback);

/** Matching's settings, read from the environment and validated at start. */
export const matchingConfigSchema = baseConfigSchema({ port: 8082, schema: 'matching' }).extend({
  MATCHING_TAKE_RATE_BPS: intFromEnv(0, 10_000)
    .prefault('1500')
    .describe("Platform take on top of the supplier's ask, basis points (1500 = 15 %)"),
  MATCHING_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as USD')
    .default('USD')
    .describe('The currency of the market; offers and caps in another currency are refused'),
  MATCHING_WEIGHT_PRICE: weight('1'),
  MATCHING_WEIGHT_PERF_PER_DOLLAR: weight('1'),
  MATCHING_WEIGHT_RELIABILITY: weight('5'),
  MATCHING_WEIGHT_PREFERRED_REGION: weight('0.5'),
  MATCHING_WEIGHT_LOAD_SPREAD: weight('1'),
  MATCHING_WEIGHT_PACKING: weight('0.2'),
  MATCHING_QUEUE_TTL_SECONDS: intFromEnv(1, 30 * 86_400)
    .prefault('3600')
    .describe('How long a job without its own queue deadline waits for capacity before it expires'),
  MATCHING_QUEUE_INTERVAL_MS: intFromEnv(50, 60_000)
    .prefault('500')
    .describe('How often queued jobs are offered capacity again and deadlines checked'),
  MATCHING_QUEUE_BATCH: intFromEnv(1, 10_000).prefault('500').describe('Queued jobs considered per pass'),
  MATCHING_RESERVATION_SYNC_MS: intFromEnv(50, 60_000)
    .prefault('500')
    .describe('How often the book picks up reservations other replicas made or released'),
  MATCHING_FULL_RESYNC_MS: intFromEnv(1000, 3_600_000)
    .prefault('30000')
    .describe('How often the book re-reads every reservation (heals after rolled-back transactions)'),
  MATCHING_BOOK_LOAD_TIMEOUT_MS: intFromEnv(1000, 600_000)
    .prefault('120000')
    .describe('Longest wait at start for the offer book to catch up with the capacity feed'),
});

export type MatchingConfig = z.infer<typeof matchingConfigSchema>;
