import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const TenantShareSetPayloadSchema = z.strictObject({
  tenantId: IdSchema,
  weight: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe("The tenant's weight in the queue's fair sharing of GPUs (every tenant has 1 until set)"),
  setAt: TimestampSchema,
});

/** An operator set a tenant's share of the exchange's capacity while jobs wait for it. */
export const TenantShareSet = defineEvent({
  domain: 'gateway',
  name: 'tenant-share-set',
  version: 1,
  description: "An operator set a tenant's weight in the queue's fair sharing of GPUs.",
  payload: TenantShareSetPayloadSchema,
  partitionKey: (payload) => payload.tenantId,
});
export type TenantShareSetPayload = z.infer<typeof TenantShareSetPayloadSchema>;
