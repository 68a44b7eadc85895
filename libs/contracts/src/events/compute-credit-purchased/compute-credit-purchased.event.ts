import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MicrosSchema, MoneySchema } from '../../money/money';
import { GpuProductSchema, IdSchema, PositiveIntSchema } from '../common-fields';

export const ComputeCreditPurchasedPayloadSchema = z.strictObject({
  creditId: z.uuid().describe('Deterministic from the buying tenant and its idempotency key'),
  tenantId: IdSchema.describe('The buyer, and first holder'),
  commitmentId: z.uuid().describe("The supplier's capacity commitment that backs the credit"),
  supplierId: IdSchema.describe('Paid its locked ask from the credit as the hours are used'),
  gpuProduct: GpuProductSchema,
  gpuSeconds: PositiveIntSchema.describe('GPU-seconds bought (GPU-hours × 3600)'),
  pricePerGpuHour: MoneySchema.describe(
    'Locked client price per GPU-hour: a whole number of micro-units per GPU-second, × 3600',
  ),
  askPerGpuHour: MoneySchema.describe("The supplier's locked ask per GPU-hour"),
  amount: MoneySchema.describe('What the buyer paid: gpuSeconds × price / 3600, exactly'),
  availableAfterMicros: MicrosSchema.describe("The buyer's available money right after the purchase"),
  expiresAt: TimestampSchema.describe('The end of the commitment; unused credit is forfeited then'),
  ledgerTransactionId: z.uuid(),
  purchasedAt: TimestampSchema,
});

/** A tenant bought a block of GPU-hours at a locked price, backed by a supplier's commitment. */
export const ComputeCreditPurchased = defineEvent({
  domain: 'billing',
  name: 'compute-credit-purchased',
  version: 1,
  description:
    'A tenant bought a compute credit: tenant available −amount, credit:<creditId>:holder:<tenantId>:available ' +
    '+amount, in ledgerTransactionId. The credit pays for usage of its GPU product on its supplier’s nodes.',
  payload: ComputeCreditPurchasedPayloadSchema,
  partitionKey: (payload) => payload.tenantId,
});
export type ComputeCreditPurchasedPayload = z.infer<typeof ComputeCreditPurchasedPayloadSchema>;
