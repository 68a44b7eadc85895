import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { ComputeCreditIdSchema, IdSchema } from '../common-fields';

export const CreditExhaustedPayloadSchema = z.strictObject({
  tenantId: IdSchema,
  jobId: IdSchema,
  reservationId: z.uuid().describe('The running workload to stop'),
  computeCreditId: ComputeCreditIdSchema,
  exhaustedAt: TimestampSchema,
});

/** A tenant's funds cannot cover a running job any more: the orchestrator stops it (`credit-exhausted`). */
export const CreditExhausted = defineEvent({
  domain: 'billing',
  name: 'credit-exhausted',
  version: 1,
  description: 'A tenant ran out of credit for a running workload; the orchestrator stops it.',
  payload: CreditExhaustedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type CreditExhaustedPayload = z.infer<typeof CreditExhaustedPayloadSchema>;
