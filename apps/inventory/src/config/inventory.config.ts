import { z } from 'zod';
import { baseConfigSchema, intFromEnv } from '@gridex/runtime';

/** Inventory's settings, read from the environment and validated at start. */
export const inventoryConfigSchema = baseConfigSchema({ port: 8081, schema: 'inventory' }).extend({
  SETTLEMENT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  MAX_PRICE_PER_GPU_HOUR_MICROS: intFromEnv(1, 1_000_000_000)
    .prefault('100000000')
    .describe('Prices above this (default 100.00 per GPU-hour) are refused as typos'),
  REVERIFY_AFTER_HOURS: intFromEnv(1, 24 * 365)
    .prefault('168')
    .describe('A verified node is benchmarked again after this long'),
  REVERIFY_SWEEP_SECONDS: intFromEnv(5, 86_400)
    .prefault('60')
    .describe('How often to look for nodes due again'),
  RELIABILITY_REFRESH_SECONDS: intFromEnv(1, 86_400)
    .prefault('600')
    .describe('How often every live node’s reliability score is recomputed (uptime windows slide with time)'),
});

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;
