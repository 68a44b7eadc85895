import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MicrosSchema, MoneySchema } from '../../money/money';
import { IdSchema } from '../common-fields';

export const CreditAddedPayloadSchema = z.strictObject({
  topUpId: z
    .uuid()
    .describe('Deterministic from tenant and idempotency key: one per top-up, however often retried'),
  tenantId: IdSchema,
  amount: MoneySchema.describe('Credited to the tenant; debited from platform payments-clearing'),
  paymentReference: z.string().min(1).max(200).describe("The payment provider's reference for the charge"),
  availableAfterMicros: MicrosSchema.describe("The tenant's available balance right after this credit"),
  ledgerTransactionId: z.uuid(),
  addedAt: TimestampSchema,
});

/** A tenant's top-up was paid and credited. */
export const CreditAdded = defineEvent({
  domain: 'billing',
  name: 'credit-added',
  version: 1,
  description:
    "A tenant's top-up was paid through the payment provider and credited: tenant available +amount, " +
    'platform payments-clearing −amount, in ledgerTransactionId.',
  payload: CreditAddedPayloadSchema,
  partitionKey: (payload) => payload.tenantId,
});
export type CreditAddedPayload = z.infer<typeof CreditAddedPayloadSchema>;
