import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, TokenUnitsSchema } from '../common-fields';

export const PayoutRequestedPayloadSchema = z.strictObject({
  payoutId: z
    .uuid()
    .describe('Deterministic from supplier and idempotency key: one per claim, however often retried'),
  supplierId: IdSchema,
  earnings: MoneySchema.describe(
    'Money to pay the supplier (its share of settled usage); zero when only tokens are claimed',
  ),
  tokenUnits: TokenUnitsSchema.describe('Tokens to transfer to the supplier (emissions and withdrawn stake)'),
  earningsPaidTotalMicros: z
    .string()
    .regex(/^(0|[1-9]\d{0,30})$/)
    .describe('All money paid to the supplier so far, including this payout'),
  tokenUnitsPaidTotal: TokenUnitsSchema.describe(
    'All tokens paid to the supplier so far, including this payout',
  ),
  requestedAt: TimestampSchema,
});

/** A supplier claimed its earnings and/or tokens: finance pays them out. */
export const PayoutRequested = defineEvent({
  domain: 'rewards',
  name: 'payout-requested',
  version: 1,
  description:
    'A supplier claimed earnings (money, from usage-settled supplier shares) and/or tokens (epoch emissions and ' +
    'withdrawn stake); finance pays them out. Running totals let finance check it has seen every payout.',
  payload: PayoutRequestedPayloadSchema,
  partitionKey: (payload) => payload.supplierId,
});
export type PayoutRequestedPayload = z.infer<typeof PayoutRequestedPayloadSchema>;
