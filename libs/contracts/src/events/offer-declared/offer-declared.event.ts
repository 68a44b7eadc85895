import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, PositiveIntSchema } from '../common-fields';

export const OfferDeclaredPayloadSchema = z.strictObject({
  offerId: IdSchema.describe('Offer id; a new declaration for the same pool supersedes the previous offer'),
  supplierId: IdSchema,
  pool: IdSchema.describe('The supplier node pool the offer prices (node label gridex.io/pool)'),
  pricePerGpuHour: MoneySchema.describe('On-demand ask per GPU-hour'),
  interruptiblePricePerGpuHour: MoneySchema.optional().describe('Ask per GPU-hour for interruptible work'),
  minLeaseSeconds: PositiveIntSchema.describe('Shortest job the supplier accepts, in seconds'),
  maxLeaseSeconds: PositiveIntSchema.optional().describe('Longest job the supplier accepts, in seconds'),
  validFrom: TimestampSchema,
  validUntil: TimestampSchema.optional(),
  nodeOverrides: z
    .array(
      z.strictObject({
        nodeName: z.string().min(1).max(253),
        pricePerGpuHour: MoneySchema.describe(
          'On-demand ask per GPU-hour for this node instead of the pool price',
        ),
      }),
    )
    .max(1000)
    .optional()
    .describe('Per-node prices within the pool, e.g. for nodes with faster storage'),
});

/** A supplier set or changed the price of one of its pools. */
export const OfferDeclared = defineEvent({
  domain: 'gateway',
  name: 'offer-declared',
  version: 1,
  description: 'A supplier declared the price and lease terms of one of its GPU pools.',
  payload: OfferDeclaredPayloadSchema,
  partitionKey: (payload) => payload.supplierId,
});
export type OfferDeclaredPayload = z.infer<typeof OfferDeclaredPayloadSchema>;
