import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, NonNegativeIntSchema } from '../common-fields';

export const ComputeCreditExpiredPayloadSchema = z.strictObject({
  creditId: z.uuid(),
  tenantId: IdSchema.nullable().describe(
    'The holder whose unused part was forfeited; null: GPU-seconds still held as tokens on the chain',
  ),
  gpuSeconds: NonNegativeIntSchema.describe('Unused GPU-seconds forfeited'),
  amount: MoneySchema.describe('Their value at the locked price, moved to platform credit-breakage'),
  ledgerTransactionId: z.uuid(),
  expiredAt: TimestampSchema,
});

/** A compute credit passed its expiry: what a holder had not used (or reserved for running work) lapsed. */
export const ComputeCreditExpired = defineEvent({
  domain: 'billing',
  name: 'compute-credit-expired',
  version: 1,
  description:
    'A holder’s unused compute credit lapsed at expiry: credit:<creditId>:holder:<tenantId>:available ' +
    '(or credit:<creditId>:on-chain) −amount, platform:credit-breakage +amount. Work running at expiry finishes ' +
    'on its hold; what it leaves lapses too.',
  payload: ComputeCreditExpiredPayloadSchema,
  partitionKey: (payload) => payload.creditId,
});
export type ComputeCreditExpiredPayload = z.infer<typeof ComputeCreditExpiredPayloadSchema>;
