import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, PositiveIntSchema } from '../common-fields';

export const ComputeCreditRedeemedPayloadSchema = z.strictObject({
  creditId: z.uuid(),
  tenantId: IdSchema.describe('The tenant whose holding the GPU-seconds join'),
  source: z
    .enum(['chain', 'failed-mint'])
    .describe('chain: a wallet redeemed tokens; failed-mint: a withdrawal the chain refused came back'),
  reference: z
    .string()
    .min(1)
    .max(200)
    .describe('chain: <transaction hash>:<log index> of the redemption; failed-mint: the withdrawal id'),
  gpuSeconds: PositiveIntSchema,
  amount: MoneySchema.describe('Their value at the locked price'),
  ledgerTransactionId: z.uuid(),
  redeemedAt: TimestampSchema,
});

/** GPU-seconds held as tokens came back into a tenant's holding of the credit. */
export const ComputeCreditRedeemed = defineEvent({
  domain: 'billing',
  name: 'compute-credit-redeemed',
  version: 1,
  description:
    'GPU-seconds of a compute credit came back from the chain: credit:<creditId>:on-chain −amount, ' +
    'credit:<creditId>:holder:<tenantId>:available +amount (once per reference).',
  payload: ComputeCreditRedeemedPayloadSchema,
  partitionKey: (payload) => payload.creditId,
});
export type ComputeCreditRedeemedPayload = z.infer<typeof ComputeCreditRedeemedPayloadSchema>;
