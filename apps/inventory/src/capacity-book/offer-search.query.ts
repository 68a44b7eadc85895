import { z } from 'zod';
import { commaSeparatedList } from '@gridex/runtime';

/** Orderings of offer search: cheapest first, most benchmark per unit of price first, most reliable first. */
export const SEARCH_SORTS = ['price', 'perf-per-dollar', 'reliability'] as const;

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be a whole number from ${min} to ${max}`);

/** The query string of `GET /v1/offers`; unknown parameters are refused so a typo is not silently ignored. */
export const OfferSearchQuerySchema = z.strictObject({
  gpuProduct: commaSeparatedList(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'GPU products').optional(),
  minGpuMemoryMiB: whole(1, 10_000_000).optional(),
  region: commaSeparatedList(/^[a-z0-9-]{1,63}$/, 'regions').optional(),
  interconnect: commaSeparatedList(/^(nvlink|infiniband|pcie)$/, 'nvlink, infiniband or pcie').optional(),
  minGpusPerNode: whole(1, 64).optional(),
  maxPricePerGpuHourMicros: whole(1, 1_000_000_000_000).optional(),
  minReliabilityBps: whole(0, 10_000).optional(),
  verifiedOnly: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  sort: z.enum(SEARCH_SORTS).default('price'),
  limit: whole(1, 500).default(50),
  cursor: z.string().max(500).optional(),
});

export type OfferSearchQuery = z.infer<typeof OfferSearchQuerySchema>;

/** Keyset position after the last item of a page: its sort value and node id (the tie-breaker). */
export interface SearchCursor {
  value: number;
  nodeId: string;
}

export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.nodeId])).toString('base64url');
}

export function decodeCursor(text: string): SearchCursor | undefined {
  try {
    const [value, nodeId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof value === 'number' && typeof nodeId === 'string' && /^[0-9a-f-]{36}$/.test(nodeId))
      return { value, nodeId };
  } catch {
    // an unreadable cursor is a bad request, reported by the caller
  }
  return undefined;
}

/**
 * The SQL for one page of sellable offers (on the capacity book), keyset-paginated on (sort key, node id).
 * Every sort is expressed as an ascending key so one cursor shape serves them all.
 */
export function offerSearchSql(
  table: string,
  query: OfferSearchQuery,
  cursor?: SearchCursor,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where = ['schedulable'];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.gpuProduct) where.push(`gpu_product = ANY(${param(query.gpuProduct)})`);
  if (query.minGpuMemoryMiB !== undefined) where.push(`gpu_memory_mib >= ${param(query.minGpuMemoryMiB)}`);
  if (query.region) where.push(`region = ANY(${param(query.region)})`);
  if (query.interconnect) where.push(`interconnect = ANY(${param(query.interconnect)})`);
  if (query.minGpusPerNode !== undefined) where.push(`gpus >= ${param(query.minGpusPerNode)}`);
  if (query.maxPricePerGpuHourMicros !== undefined)
    where.push(`price_micros <= ${param(query.maxPricePerGpuHourMicros)}`);
  if (query.minReliabilityBps !== undefined)
    where.push(`reliability_bps >= ${param(query.minReliabilityBps)}`);
  if (query.verifiedOnly) where.push(`verification = 'verified'`);
  const key = {
    price: 'price_micros::double precision',
    'perf-per-dollar': '-coalesce(perf_per_price, 0)',
    reliability: '-reliability_bps::double precision',
  }[query.sort];
  if (cursor)
    where.push(
      `(${key}, node_id) > (${param(cursor.value)}::double precision, ${param(cursor.nodeId)}::uuid)`,
    );
  const text = `SELECT ${key} AS sort_key, node_id, state FROM ${table}
    WHERE ${where.join(' AND ')} ORDER BY ${key}, node_id LIMIT ${param(query.limit + 1)}`;
  return { text, values };
}
