import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const JobCancelledPayloadSchema = z.strictObject({
  jobId: IdSchema,
  requestedAt: TimestampSchema,
  reason: z.string().max(500).optional().describe('Free text from the client'),
});

/** A client cancelled a job: matching drops it from the queue, the orchestrator stops its workload. */
export const JobCancelled = defineEvent({
  domain: 'gateway',
  name: 'job-cancelled',
  version: 1,
  description: 'A client cancelled a job.',
  payload: JobCancelledPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type JobCancelledPayload = z.infer<typeof JobCancelledPayloadSchema>;
