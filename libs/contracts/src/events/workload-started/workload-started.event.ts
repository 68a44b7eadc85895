import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const WorkloadStartedPayloadSchema = z.strictObject({
  jobId: IdSchema,
  reservationId: z.uuid(),
  workloadId: z.uuid().describe('Deterministic from job id and reservation id'),
  startedAt: TimestampSchema.describe(
    'When the last gang member started its container; metering starts here',
  ),
});

/** Every pod of the workload is running; billing starts metering at `startedAt`. */
export const WorkloadStarted = defineEvent({
  domain: 'orchestrator',
  name: 'workload-started',
  version: 1,
  description: 'All pods of a workload run; billing meters GPU-seconds from startedAt.',
  payload: WorkloadStartedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type WorkloadStartedPayload = z.infer<typeof WorkloadStartedPayloadSchema>;
