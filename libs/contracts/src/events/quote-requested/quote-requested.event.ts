import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';
import { PlacementSpecShape, requiresGpuChoice } from '../../placement/placement-spec';

export const QuoteRequestedPayloadSchema = requiresGpuChoice(
  z.strictObject({
    requestId: z.uuid().describe('Names the answer (quote-answered) the gateway waits for'),
    tenantId: IdSchema,
    ...PlacementSpecShape,
    requestedAt: TimestampSchema,
  }),
);

/** A client asked what a job would get now; matching answers from its offer book (nothing is reserved). */
export const QuoteRequested = defineEvent({
  domain: 'gateway',
  name: 'quote-requested',
  version: 1,
  description: 'A quote request (request-reply): matching dry-runs the job on its offer book and answers.',
  payload: QuoteRequestedPayloadSchema,
  partitionKey: (payload) => payload.requestId,
});
export type QuoteRequestedPayload = z.infer<typeof QuoteRequestedPayloadSchema>;
