import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { CapacityChangedPayloadSchema } from '../capacity-changed/capacity-changed.event';

export const OffersAnsweredPayloadSchema = z.strictObject({
  requestId: z.uuid(),
  items: z
    .array(CapacityChangedPayloadSchema)
    .max(500)
    .describe('Sellable offers, as the capacity feed states them'),
  nextCursor: z.string().max(500).optional(),
  problem: z
    .strictObject({
      code: z.string().min(1).max(64),
      detail: z.string().max(500),
      errors: z.array(z.strictObject({ field: z.string().max(64), message: z.string().max(500) })).max(50),
    })
    .optional()
    .describe('Set instead of items when the query was invalid'),
  answeredAt: TimestampSchema,
});

/** Inventory's answer to an offer search. */
export const OffersAnswered = defineEvent({
  domain: 'inventory',
  name: 'offers-answered',
  version: 1,
  description: 'The answer to an offers-requested: a page of offers, or the problem with the query.',
  payload: OffersAnsweredPayloadSchema,
  partitionKey: (payload) => payload.requestId,
});
export type OffersAnsweredPayload = z.infer<typeof OffersAnsweredPayloadSchema>;
