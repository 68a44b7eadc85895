import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { CurrencySchema, MicrosSchema } from '../../money/money';
import { ComputeCreditIdSchema, IdSchema, NonNegativeIntSchema } from '../common-fields';

export const UsageRecordedPayloadSchema = z.strictObject({
  tenantId: IdSchema,
  jobId: IdSchema,
  reservationId: z.uuid(),
  computeCreditId: ComputeCreditIdSchema,
  currency: CurrencySchema,
  throughSeconds: NonNegativeIntSchema.describe('Wall seconds since the workload started, charged up to now'),
  gpuSeconds: z.number().int().describe('GPU-seconds this entry adds (negative: an adjustment back)'),
  chargedMicros: MicrosSchema.describe('Charged to the tenant by this entry (negative: refunded)'),
  fromHeldMicros: MicrosSchema.describe(
    'The part of chargedMicros taken from the hold; the rest from available',
  ),
  supplierMicros: MicrosSchema.describe("Added to supplier payables (each supplier's ask × its GPU-seconds)"),
  platformRevenueMicros: MicrosSchema.describe('chargedMicros − supplierMicros'),
  final: z.boolean().describe('true for the settlement entry, false for an accrual while running'),
  ledgerTransactionId: z.uuid(),
  recordedAt: TimestampSchema,
});

/** Metered usage was posted to the ledger: an accrual while running, or the final entry at settlement. */
export const UsageRecorded = defineEvent({
  domain: 'billing',
  name: 'usage-recorded',
  version: 1,
  description:
    'Metered GPU usage was posted: tenant −chargedMicros (held first, then available), suppliers +supplierMicros, ' +
    'platform revenue +platformRevenueMicros. Entries of one reservation add up to its usage-settled totals.',
  payload: UsageRecordedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type UsageRecordedPayload = z.infer<typeof UsageRecordedPayloadSchema>;
