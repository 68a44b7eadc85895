import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const JobExpiredPayloadSchema = z.strictObject({
  jobId: IdSchema,
  tenantId: IdSchema,
  queueDeadline: TimestampSchema.describe('The deadline the job passed while waiting for capacity'),
  expiredAt: TimestampSchema,
});

/** A queued job reached its deadline without capacity; it will not run. */
export const JobExpired = defineEvent({
  domain: 'matching',
  name: 'job-expired',
  version: 1,
  description: 'A job waited for capacity past its queue deadline and was dropped.',
  payload: JobExpiredPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type JobExpiredPayload = z.infer<typeof JobExpiredPayloadSchema>;
