import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { CurrencySchema, MicrosSchema } from '../../money/money';
import { IdSchema, NonNegativeIntSchema } from '../common-fields';

export const InvoiceIssuedPayloadSchema = z.strictObject({
  invoiceId: z.uuid().describe('Deterministic from tenant and period start'),
  tenantId: IdSchema,
  periodStart: TimestampSchema,
  periodEnd: TimestampSchema.describe('Exclusive'),
  currency: CurrencySchema,
  lineCount: NonNegativeIntSchema,
  gpuSeconds: NonNegativeIntSchema,
  totalMicros: MicrosSchema.describe(
    'What is due in money: the sum of the lines paid with money = the chargedMicros of the usage-settled ' +
      'events without computeCreditId of this tenant settled in the period',
  ),
  creditsAppliedMicros: MicrosSchema.optional().describe(
    'The value of the lines paid with compute credits (at their locked prices): not due, already prepaid',
  ),
  issuedAt: TimestampSchema,
});

/** A tenant's invoice for a closed billing period was issued. */
export const InvoiceIssued = defineEvent({
  domain: 'billing',
  name: 'invoice-issued',
  version: 1,
  description:
    "A tenant's invoice for a closed period: one line per reservation and unit price; its total equals the " +
    'chargedMicros of the usage-settled events whose settledAt falls in [periodStart, periodEnd).',
  payload: InvoiceIssuedPayloadSchema,
  partitionKey: (payload) => payload.tenantId,
});
export type InvoiceIssuedPayload = z.infer<typeof InvoiceIssuedPayloadSchema>;
