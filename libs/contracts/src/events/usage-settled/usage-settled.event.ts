import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { CurrencySchema, MicrosSchema } from '../../money/money';
import { ComputeCreditIdSchema, IdSchema, NonNegativeIntSchema } from '../common-fields';

const SupplierShareSchema = z.strictObject({
  supplierId: IdSchema,
  nodeId: z.uuid(),
  gpuSeconds: NonNegativeIntSchema,
  amountMicros: MicrosSchema.describe("The supplier's earnings: its ask × its GPU-seconds"),
});

export const UsageSettledPayloadSchema = z
  .strictObject({
    settlementId: z.uuid().describe('Deterministic from job id and reservation id'),
    tenantId: IdSchema,
    jobId: IdSchema,
    reservationId: z.uuid(),
    computeCreditId: ComputeCreditIdSchema,
    currency: CurrencySchema,
    gpuSeconds: NonNegativeIntSchema.describe('GPU-seconds metered over the whole gang'),
    chargedMicros: MicrosSchema.describe('What the tenant paid'),
    supplierShares: z.array(SupplierShareSchema),
    platformRevenueMicros: MicrosSchema.describe('chargedMicros minus the sum of supplier shares'),
    ledgerTransactionId: z
      .uuid()
      .optional()
      .describe('The settlement transaction (final usage and hold release); absent when it moved no money'),
    settledAt: TimestampSchema,
  })
  .refine(
    (settlement) =>
      BigInt(settlement.chargedMicros) ===
      settlement.supplierShares.reduce((sum, share) => sum + BigInt(share.amountMicros), 0n) +
        BigInt(settlement.platformRevenueMicros),
    {
      message: 'chargedMicros must equal the supplier shares plus platform revenue',
      path: ['chargedMicros'],
    },
  );

/** A finished workload was charged and its earnings split; reconcilable against the ledger transaction. */
export const UsageSettled = defineEvent({
  domain: 'billing',
  name: 'usage-settled',
  version: 1,
  description:
    'A workload was charged to its tenant and its earnings split between suppliers and the platform. ' +
    'chargedMicros = sum(supplierShares.amountMicros) + platformRevenueMicros.',
  payload: UsageSettledPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type UsageSettledPayload = z.infer<typeof UsageSettledPayloadSchema>;
