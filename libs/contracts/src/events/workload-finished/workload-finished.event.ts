import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const WorkloadFailureReasonSchema = z
  .enum(['node-lost', 'oom', 'image-pull', 'error', 'preempted', 'cancelled', 'credit-exhausted', 'rejected'])
  .describe('Why a workload stopped before succeeding');

export const WorkloadFinishedPayloadSchema = z
  .strictObject({
    jobId: IdSchema,
    reservationId: z.uuid(),
    workloadId: z.uuid(),
    outcome: z.enum(['succeeded', 'failed']),
    reason: WorkloadFailureReasonSchema.optional().describe('Present when outcome is failed'),
    startedAt: TimestampSchema.optional().describe('Absent when the workload never ran'),
    finishedAt: TimestampSchema.describe('When the workload ended; metering stops here'),
    detail: z
      .string()
      .max(1000)
      .optional()
      .describe('What went wrong, for people (exit code, refusal reason)'),
    failedNodes: z
      .array(z.strictObject({ clusterId: IdSchema, nodeName: z.string().min(1).max(253) }))
      .max(512)
      .optional()
      .describe('With node-lost: the nodes that were lost; failover avoids them'),
  })
  .refine((event) => (event.outcome === 'failed') === (event.reason !== undefined), {
    message: 'reason is required when outcome is failed and forbidden otherwise',
    path: ['reason'],
  });

/** A workload ended; billing settles its usage, matching frees its capacity or fails it over. */
export const WorkloadFinished = defineEvent({
  domain: 'orchestrator',
  name: 'workload-finished',
  version: 1,
  description:
    'A workload succeeded or failed (with a reason); billing settles, matching releases or fails over.',
  payload: WorkloadFinishedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type WorkloadFinishedPayload = z.infer<typeof WorkloadFinishedPayloadSchema>;
