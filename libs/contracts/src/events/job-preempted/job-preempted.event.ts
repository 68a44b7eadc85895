import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const JobPreemptedPayloadSchema = z.strictObject({
  jobId: IdSchema,
  tenantId: IdSchema,
  reservationId: z.uuid().describe('The reservation taken back; the orchestrator stops its workload'),
  preemptedByJobId: IdSchema.describe('The on-demand job that needed the capacity'),
  preemptedAt: TimestampSchema,
  requeued: z.boolean().describe('True: the job waits in the queue for capacity again'),
});

/** Matching took an interruptible job's capacity for on-demand work; its workload must stop. */
export const JobPreempted = defineEvent({
  domain: 'matching',
  name: 'job-preempted',
  version: 1,
  description:
    'An interruptible job lost its reservation to on-demand work; the orchestrator stops it (reason preempted) ' +
    'and matching queues it again.',
  payload: JobPreemptedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type JobPreemptedPayload = z.infer<typeof JobPreemptedPayloadSchema>;
