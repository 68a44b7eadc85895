import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MicrosSchema, MoneySchema } from '../../money/money';
import { IdSchema } from '../common-fields';

export const HoldRejectedPayloadSchema = z.strictObject({
  tenantId: IdSchema,
  jobId: IdSchema,
  reservationId: z.uuid(),
  required: MoneySchema.describe('The hold the job needed'),
  fundsMicros: MicrosSchema.describe("The tenant's available balance plus credit limit at that moment"),
  rejectedAt: TimestampSchema,
});

/**
 * A matched job's tenant cannot cover its hold. The orchestrator stops (or never starts) the workload, and
 * matching releases the job's reservation and fails it.
 */
export const HoldRejected = defineEvent({
  domain: 'billing',
  name: 'hold-rejected',
  version: 1,
  description:
    "A matched job's tenant could not cover its hold: no money moved; the orchestrator stops the workload and " +
    'matching releases and fails the job.',
  payload: HoldRejectedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type HoldRejectedPayload = z.infer<typeof HoldRejectedPayloadSchema>;
