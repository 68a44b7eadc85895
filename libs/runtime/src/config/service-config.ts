import { z } from 'zod';
import { GRIDEX_INSTANCE, instanceScoped, INSTANCE_PATTERN } from '@gridex/contracts';

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Turns an environment string into an integer within bounds, with a message a person can act on. */
export const intFromEnv = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be a whole number from ${min} to ${max}`);

/** A whole number too large for a JavaScript number (money micro-units, token base units), as a bigint. */
export const bigIntFromEnv = (unit: string) =>
  z
    .string()
    .trim()
    .regex(/^(0|[1-9]\d{0,17})$/, `must be a whole number of ${unit}`)
    .transform((value) => BigInt(value));

/** Turns `a, b,c` into `['a', 'b', 'c']` (blanks dropped), each item matching `pattern`, else names `what`. */
export const commaSeparatedList = (pattern: RegExp, what: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    )
    .refine(
      (items) => items.every((item) => pattern.test(item)),
      `must be a comma-separated list of ${what}`,
    );

/**
 * Settings every service reads from its environment. Defaults are given as environment strings (`prefault`) so
 * they pass through the same parsing as real values. A service extends this with its own (see each app's
 * `config/`). Names are the environment variable names, so an error message names exactly what to fix.
 */
/** `true` or `false` (nothing else: a typo must not silently mean either). */
export const booleanFromEnv = () =>
  z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true');

/**
 * The settings every service shares. Names a service keeps on shared components default to this process's
 * instance's (`GRIDEX_INSTANCE`, see `@gridex/contracts` instance): schema `<instance>_<service>`, consumer group
 * `gridex-<instance>-<service>`; the default instance keeps the plain names.
 */
export function baseConfigSchema(defaults: { port: number; schema: string }) {
  return z.object({
    GRIDEX_INSTANCE: z
      .string()
      .regex(INSTANCE_PATTERN, 'must be 1 to 12 lower-case letters and digits, starting with a letter')
      .optional()
      .refine(
        (value) => (value ?? '') === GRIDEX_INSTANCE,
        'must come from the process environment, not a file (topic names are fixed when the process starts)',
      )
      .describe('Which exchange on a shared stack this is (prefixes topics, groups, schemas, namespaces)'),
    PORT: intFromEnv(1, 65535)
      .prefault(String(defaults.port))
      .describe('HTTP port for the API, health and metrics'),
    HTTP_HOST: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address to listen on; 0.0.0.0 in a container'),
    KAFKA_BROKERS: z
      .string({ error: 'is required (comma-separated host:port list)' })
      .transform((value) =>
        value
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean),
      )
      .refine(
        (brokers) => brokers.length > 0 && brokers.every((broker) => hostPort.test(broker)),
        'must be a comma-separated list of host:port',
      ),
    DATABASE_URL: z
      .string({ error: 'is required (postgres://user:password@host:port/database)' })
      .refine(
        (value) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(value),
        'must be postgres://user:password@host:port/database',
      ),
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _')
      .default(instanceScoped(defaults.schema, '_')),
    DATABASE_POOL_SIZE: intFromEnv(1, 200).prefault('10'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    OUTBOX_POLL_INTERVAL_MS: intFromEnv(1, 60_000).prefault('20'),
    CONSUMER_PARTITIONS_CONCURRENTLY: intFromEnv(1, 64).prefault('3'),
    KAFKA_CONSUMER_GROUP: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be letters, digits, . _ -')
      .default(`gridex-${instanceScoped(defaults.schema, '-')}`)
      .describe('Consumer group; one per service, so replicas share the work'),
    SHUTDOWN_TIMEOUT_MS: intFromEnv(1000, 600_000).prefault('25000'),
  });
}

export type BaseConfig = z.infer<ReturnType<typeof baseConfigSchema>>;

/** Raised when the environment does not describe a valid configuration; the message lists every bad variable. */
export class InvalidConfigurationError extends Error {
  constructor(
    service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InvalidConfigurationError';
  }
}

/** Validates the environment against a service's schema; throws {@link InvalidConfigurationError} naming each variable. */
export function parseServiceConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, unknown>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const given = env[variable];
    const shown = given === undefined ? 'not set' : `got "${redact(variable, String(given))}"`;
    return `${variable}: ${issue.message} (${shown})`;
  });
  throw new InvalidConfigurationError(service, problems);
}

// Never echo secrets back into logs.
function redact(variable: string, value: string): string {
  if (/PASSWORD|SECRET|TOKEN|KEY/.test(variable)) return '***';
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
