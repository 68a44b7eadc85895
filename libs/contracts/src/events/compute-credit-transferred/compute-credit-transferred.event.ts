import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, PositiveIntSchema } from '../common-fields';

export const ComputeCreditTransferredPayloadSchema = z.strictObject({
  transferId: z.uuid().describe('Deterministic from the sending tenant and its idempotency key'),
  creditId: z.uuid(),
  fromTenantId: IdSchema,
  toTenantId: IdSchema,
  gpuSeconds: PositiveIntSchema.describe('GPU-seconds of the credit moved to the receiving tenant'),
  amount: MoneySchema.describe(
    'Their value at the credit’s locked price: gpuSeconds × price / 3600, exactly',
  ),
  ledgerTransactionId: z.uuid(),
  transferredAt: TimestampSchema,
});

/** A holder gave part of its compute credit to another tenant. */
export const ComputeCreditTransferred = defineEvent({
  domain: 'billing',
  name: 'compute-credit-transferred',
  version: 1,
  description:
    'GPU-seconds of a compute credit moved between tenants: credit:<creditId>:holder:<from>:available −amount, ' +
    'credit:<creditId>:holder:<to>:available +amount. No money enters or leaves the credit.',
  payload: ComputeCreditTransferredPayloadSchema,
  partitionKey: (payload) => payload.creditId,
});
export type ComputeCreditTransferredPayload = z.infer<typeof ComputeCreditTransferredPayloadSchema>;
