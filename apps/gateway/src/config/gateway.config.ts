import { z } from 'zod';
import { REGISTRY_HOST } from '@gridex/contracts';
import { baseConfigSchema, commaSeparatedList, intFromEnv } from '@gridex/runtime';

/** Gateway's settings, read from the environment and validated at start. */
export const gatewayConfigSchema = baseConfigSchema({ port: 8080, schema: 'gateway' }).extend({
  GRIDEX_OPERATOR_KEY: z
    .string({ error: 'is required: the first operator API key (npm start writes one into .stack/env)' })
    .regex(/^[A-Za-z0-9_-]{32,200}$/, 'must be 32 to 200 letters, digits, _ or -')
    .describe('The bootstrap operator key; every other key is created through the API'),
  GATEWAY_RATE_LIMIT_PER_SECOND: intFromEnv(1, 100_000)
    .prefault('50')
    .describe('Sustained requests per API key'),
  GATEWAY_RATE_LIMIT_BURST: intFromEnv(1, 100_000)
    .prefault('100')
    .describe('Requests one API key may send at once'),
  GATEWAY_ANONYMOUS_RATE_LIMIT_PER_SECOND: intFromEnv(1, 100_000)
    .prefault('5')
    .describe('Sustained requests per client address on public routes (browsing offers) without a key'),
  GATEWAY_ANONYMOUS_RATE_LIMIT_BURST: intFromEnv(1, 100_000)
    .prefault('20')
    .describe('Requests one client address may send at once on public routes without a key'),
  GATEWAY_SIGNUP: z
    .enum(['closed', 'approval', 'open'])
    .default('approval')
    .describe(
      'Self-service sign-up: closed (operators create every tenant), approval (an operator approves each) or open',
    ),
  GATEWAY_KEY_CACHE_SECONDS: intFromEnv(0, 3600)
    .prefault('300')
    .describe('How long a verified key skips the slow hash (revocation takes effect within this time)'),
  GATEWAY_QUOTE_TIMEOUT_MS: intFromEnv(100, 60_000)
    .prefault('5000')
    .describe('How long a quote waits for matching before answering 504'),
  GATEWAY_IDEMPOTENCY_TTL_SECONDS: intFromEnv(60, 30 * 86_400)
    .prefault('86400')
    .describe(
      'How long the first answer to a keyed POST is replayed to retries; then the key may be used again',
    ),
  GATEWAY_IDEMPOTENCY_LEASE_SECONDS: intFromEnv(5, 3600)
    .prefault('120')
    .describe(
      'How long a keyed request may run before a retry with its key takes over (one that crashed mid-way ' +
        'answers 409 only this long); keep it above the slowest request',
    ),
  GATEWAY_ALLOWED_REGISTRIES: commaSeparatedList(REGISTRY_HOST, 'registry hosts such as registry.gridex.io')
    .prefault('registry.gridex.io')
    .describe(
      'Registries job images may come from: others are refused at submission and in quotes (keep it the ' +
        "orchestrators' ALLOWED_REGISTRIES)",
    ),
  GATEWAY_KDF_COST: intFromEnv(10, 20)
    .prefault('15')
    .describe('scrypt cost (log2 N) for hashing API keys; 15 takes ~100 ms per new key on one core'),
  ...internalServiceUrls(),
});

/**
 * Where the gateway reaches the services whose reads and owner-side commands it serves (invoices, stakes,
 * nodes, fleet): their internal HTTP routes. Defaults are the ports `npm start` runs them on.
 */
function internalServiceUrls() {
  const url = (port: number, service: string) =>
    z
      .url({ error: `must be an http(s) URL of the ${service} service` })
      .regex(/^https?:\/\//, `must be an http(s) URL of the ${service} service`)
      .default(`http://127.0.0.1:${port}`)
      .describe(`The ${service} service's internal HTTP address`);
  return {
    GATEWAY_INVENTORY_URL: url(8081, 'inventory'),
    GATEWAY_BILLING_URL: url(8084, 'billing'),
    GATEWAY_REWARDS_URL: url(8085, 'rewards'),
    GATEWAY_ORCHESTRATOR_URL: url(8083, 'orchestrator'),
    GATEWAY_SERVICE_TIMEOUT_MS: intFromEnv(100, 120_000)
      .prefault('10000')
      .describe('How long a call to an internal service may take before the gateway answers 504'),
  };
}

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
