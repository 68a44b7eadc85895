import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema } from '../common-fields';

export const CreditRequestedPayloadSchema = z.strictObject({
  topUpId: z.uuid().describe('Chosen by the gateway; billing charges and credits it once'),
  tenantId: IdSchema,
  amount: MoneySchema,
  paymentMethod: z
    .string()
    .min(1)
    .max(200)
    .describe("The payment provider's token for the client's payment method"),
  requestedAt: TimestampSchema,
});

/** A client asked for a credit top-up through the API; billing charges the payment method and credits it. */
export const CreditRequested = defineEvent({
  domain: 'gateway',
  name: 'credit-requested',
  version: 1,
  description:
    'A client asked to top up its credit; billing charges the payment provider, then credits or declines.',
  payload: CreditRequestedPayloadSchema,
  partitionKey: (payload) => payload.tenantId,
});
export type CreditRequestedPayload = z.infer<typeof CreditRequestedPayloadSchema>;
