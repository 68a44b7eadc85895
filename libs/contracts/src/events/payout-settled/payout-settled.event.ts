import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema } from '../common-fields';

export const PayoutSettledPayloadSchema = z.strictObject({
  payoutId: z.uuid().describe('The payout of the `payout-requested` it settles'),
  supplierId: IdSchema,
  earnings: MoneySchema.describe('The money the payout moved (or failed to move)'),
  outcome: z
    .enum(['paid', 'failed'])
    .describe('paid: the provider sent the money; failed: it refused, and the payable was restored'),
  providerReference: z.string().max(200).nullable().describe("The payout provider's id for the transfer"),
  reason: z.string().max(1000).nullable().describe('Why it failed (null when paid)'),
  ledgerTransactionId: z
    .uuid()
    .nullable()
    .describe('The ledger transaction that settled or reversed it (null: refused before any money moved)'),
  settledAt: TimestampSchema,
});

/** Billing paid a supplier's money payout, or reversed it when the provider refused. */
export const PayoutSettled = defineEvent({
  domain: 'billing',
  name: 'payout-settled',
  version: 1,
  description:
    "Billing moved a supplier's claimed earnings from payable to payouts-in-flight, called the payout provider, " +
    'and settled (in flight → payouts clearing) or reversed it (in flight → payable again).',
  payload: PayoutSettledPayloadSchema,
  partitionKey: (payload) => payload.supplierId,
});
export type PayoutSettledPayload = z.infer<typeof PayoutSettledPayloadSchema>;
