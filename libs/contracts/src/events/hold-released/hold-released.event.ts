import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { ComputeCreditIdSchema, IdSchema } from '../common-fields';

export const HoldReleasedPayloadSchema = z.strictObject({
  tenantId: IdSchema,
  jobId: IdSchema,
  reservationId: z.uuid(),
  computeCreditId: ComputeCreditIdSchema,
  amount: MoneySchema.describe(
    'What was left of the hold after usage drew on it, returned to tenant available',
  ),
  ledgerTransactionId: z.uuid().describe('The settlement transaction, which also posts the final usage'),
  releasedAt: TimestampSchema,
});

/** At settlement, the unused rest of a hold went back to the tenant. */
export const HoldReleased = defineEvent({
  domain: 'billing',
  name: 'hold-released',
  version: 1,
  description:
    'At settlement the rest of a hold (hold − usage drawn from it) moved from tenant held back to tenant available.',
  payload: HoldReleasedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type HoldReleasedPayload = z.infer<typeof HoldReleasedPayloadSchema>;
