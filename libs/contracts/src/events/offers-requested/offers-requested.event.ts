import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const OffersRequestedPayloadSchema = z.strictObject({
  requestId: z.uuid().describe('Names the answer (offers-answered) the gateway waits for'),
  tenantId: IdSchema,
  query: z
    .record(z.string().max(64), z.string().max(500))
    .describe(
      "Matching's offer-search parameters (gpuProduct, region, minFreeGpus, verifiedOnly, sort, limit, cursor, …)",
    ),
  requestedAt: TimestampSchema,
});

/** A client searches the sellable offers; matching answers from its order book (request-reply). */
export const OffersRequested = defineEvent({
  domain: 'gateway',
  name: 'offers-requested',
  version: 1,
  description:
    'An offer search (request-reply): matching answers with a page of sellable offers or a problem.',
  payload: OffersRequestedPayloadSchema,
  partitionKey: (payload) => payload.requestId,
});
export type OffersRequestedPayload = z.infer<typeof OffersRequestedPayloadSchema>;
