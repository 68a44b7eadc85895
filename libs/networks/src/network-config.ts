import { z } from 'zod';

/**
 * The networks an exchange may route to, as operators configure them (`NETWORKS`, a JSON array; the Helm value
 * `networks`). Each has its adapter kind and endpoint, the credentials Gridex uses there, the fee Gridex adds
 * on top of the network's price, a trust level (probation: used only when Gridex's own capacity is short) and
 * the limits of its circuit breaker.
 */
export const NetworkConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and -'),
  kind: z.enum(['gridex']).describe('Which adapter speaks to it'),
  baseUrl: z.url(),
  apiKey: z.string().min(8).max(500).describe('Gridex’s credentials on that network'),
  feeBps: z.number().int().min(0).max(10_000).default(1000).describe('Added to the network’s price'),
  trust: z.enum(['trusted', 'probation']).default('probation'),
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  failureThreshold: z.number().int().min(1).max(100).default(3),
  openSeconds: z.number().int().min(1).max(3600).default(30),
  offersMaxAgeSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .describe('Older offers are not routed to'),
});
export type NetworkConfig = z.infer<typeof NetworkConfigSchema>;

/** The `NETWORKS` setting: a JSON array of networks, ids unique; problems name the entry and field. */
export function parseNetworks(json: string | undefined): NetworkConfig[] {
  if (json === undefined || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`NETWORKS: must be a JSON array of networks (${(error as Error).message})`);
  }
  const result = z.array(NetworkConfigSchema).max(64).safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [index, ...field] = issue.path.map(String);
      return `NETWORKS${index === undefined ? '' : `[${index}]`}${field.length ? `.${field.join('.')}` : ''}: ${issue.message}`;
    });
    throw new Error(problems.join('; '));
  }
  const ids = result.data.map((n) => n.id);
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice) throw new Error(`NETWORKS: network "${twice}" is configured twice`);
  return result.data;
}
