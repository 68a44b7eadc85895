import { z } from 'zod';
import { defineEvent } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const PoolAvailabilityChangedPayloadSchema = z.strictObject({
  supplierId: IdSchema,
  pool: IdSchema,
  paused: z.boolean().describe('true: stop selling the pool (running work continues); false: sell it again'),
  reason: z.string().max(500).optional().describe("The supplier's note, e.g. maintenance"),
});

/** A supplier paused or resumed one of its pools through the gateway. */
export const PoolAvailabilityChanged = defineEvent({
  domain: 'gateway',
  name: 'pool-availability-changed',
  version: 1,
  description: 'A supplier paused (stop selling) or resumed one of its GPU pools.',
  payload: PoolAvailabilityChangedPayloadSchema,
  partitionKey: (payload) => payload.supplierId,
});
export type PoolAvailabilityChangedPayload = z.infer<typeof PoolAvailabilityChangedPayloadSchema>;
