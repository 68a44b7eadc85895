import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, PositiveIntSchema } from '../common-fields';

export const ComputeCreditWithdrawnPayloadSchema = z.strictObject({
  withdrawalId: z
    .uuid()
    .describe('Deterministic from the tenant and its idempotency key; the mint id on the chain'),
  creditId: z.uuid(),
  tenantId: IdSchema.describe('The holder that took the GPU-seconds out'),
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .describe('The wallet the ERC-1155 tokens are minted to'),
  gpuSeconds: PositiveIntSchema.describe('Tokens minted: one per GPU-second'),
  amount: MoneySchema.describe('Their value at the locked price'),
  ledgerTransactionId: z.uuid(),
  withdrawnAt: TimestampSchema,
});

/** A holder took GPU-seconds of a compute credit out to a wallet, as ERC-1155 tokens. */
export const ComputeCreditWithdrawn = defineEvent({
  domain: 'billing',
  name: 'compute-credit-withdrawn',
  version: 1,
  description:
    'GPU-seconds of a compute credit left Gridex for a wallet: credit:<creditId>:holder:<tenantId>:available ' +
    '−amount, credit:<creditId>:on-chain +amount; billing then mints the tokens (once per withdrawalId).',
  payload: ComputeCreditWithdrawnPayloadSchema,
  partitionKey: (payload) => payload.creditId,
});
export type ComputeCreditWithdrawnPayload = z.infer<typeof ComputeCreditWithdrawnPayloadSchema>;
