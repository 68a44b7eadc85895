import { z } from 'zod';
import { commaSeparatedList } from '@gridex/runtime';
import { OFFER_SORTS, OfferCursor } from '../domain/offer-listing';

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be a whole number from ${min} to ${max}`);

/** The query of an offer search; unknown parameters are refused so that a typo is not silently ignored. */
export const OfferQuerySchema = z.strictObject({
  gpuProduct: commaSeparatedList(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'GPU products').optional(),
  minGpuMemoryMiB: whole(1, 10_000_000).optional(),
  region: commaSeparatedList(/^[a-z0-9-]{1,63}$/, 'regions').optional(),
  interconnect: commaSeparatedList(/^(nvlink|infiniband|pcie)$/, 'nvlink, infiniband or pcie').optional(),
  minGpusPerNode: whole(1, 64).optional(),
  /** Nodes with fewer unreserved GPUs are left out; 0 lists fully booked nodes too. */
  minFreeGpus: whole(0, 64).default(1),
  /** Cap on the on-demand price the client pays (ask plus fee). */
  maxPricePerGpuHourMicros: whole(1, 1_000_000_000_000).optional(),
  minReliabilityBps: whole(0, 10_000).optional(),
  verifiedOnly: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  sort: z.enum(OFFER_SORTS).default('price'),
  limit: whole(1, 500).default(50),
  cursor: z.string().max(500).optional(),
});

export function encodeOfferCursor(cursor: OfferCursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.nodeId])).toString('base64url');
}

export function decodeOfferCursor(text: string): OfferCursor | undefined {
  try {
    const [value, nodeId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (
      typeof value === 'number' &&
      Number.isFinite(value) &&
      typeof nodeId === 'string' &&
      /^[0-9a-f-]{36}$/.test(nodeId)
    )
      return { value, nodeId };
  } catch {
    // an unreadable cursor is a bad request, reported by the caller
  }
  return undefined;
}
