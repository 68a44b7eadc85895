import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema } from '../common-fields';

export const CreditDeclinedPayloadSchema = z.strictObject({
  topUpId: z.uuid(),
  tenantId: IdSchema,
  amount: MoneySchema,
  reason: z.string().min(1).max(500).describe("The payment provider's reason"),
  declinedAt: TimestampSchema,
});

/** A requested top-up was declined by the payment provider; no money moved. */
export const CreditDeclined = defineEvent({
  domain: 'billing',
  name: 'credit-declined',
  version: 1,
  description: 'A requested top-up was declined by the payment provider; no ledger transaction.',
  payload: CreditDeclinedPayloadSchema,
  partitionKey: (payload) => payload.tenantId,
});
export type CreditDeclinedPayload = z.infer<typeof CreditDeclinedPayloadSchema>;
