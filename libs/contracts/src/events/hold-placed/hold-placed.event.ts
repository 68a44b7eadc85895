import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { ComputeCreditIdSchema, IdSchema, NonNegativeIntSchema, PositiveIntSchema } from '../common-fields';

export const HoldPlacedPayloadSchema = z.strictObject({
  tenantId: IdSchema,
  jobId: IdSchema,
  reservationId: z.uuid(),
  computeCreditId: ComputeCreditIdSchema,
  amount: MoneySchema.describe('Moved from tenant available to tenant held'),
  expectedDurationSeconds: PositiveIntSchema,
  marginBasisPoints: NonNegativeIntSchema.describe('Safety margin on top of the expected cost'),
  ledgerTransactionId: z.uuid(),
  placedAt: TimestampSchema,
});

/** Billing reserved a matched job's expected cost from its tenant's credit. */
export const HoldPlaced = defineEvent({
  domain: 'billing',
  name: 'hold-placed',
  version: 1,
  description:
    "A matched job's expected cost (GPUs × snapshot price × expected duration × (1 + margin), rounded up) " +
    'moved from tenant available to tenant held.',
  payload: HoldPlacedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type HoldPlacedPayload = z.infer<typeof HoldPlacedPayloadSchema>;
