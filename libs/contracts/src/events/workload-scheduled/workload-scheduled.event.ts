import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const WorkloadScheduledPayloadSchema = z.strictObject({
  jobId: IdSchema,
  reservationId: z.uuid(),
  workloadId: z.uuid(),
  namespace: z.string().min(1).max(63),
  pods: z
    .array(z.strictObject({ name: z.string().min(1).max(253), nodeName: z.string().min(1).max(253) }))
    .min(1)
    .describe('Every pod of the workload and the node it is bound to, in rank order'),
  scheduledAt: TimestampSchema,
});

/** Every pod of a workload exists, bound to its allocated node. */
export const WorkloadScheduled = defineEvent({
  domain: 'orchestrator',
  name: 'workload-scheduled',
  version: 1,
  description: "The orchestrator created the workload's pods on exactly the allocated nodes.",
  payload: WorkloadScheduledPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type WorkloadScheduledPayload = z.infer<typeof WorkloadScheduledPayloadSchema>;
