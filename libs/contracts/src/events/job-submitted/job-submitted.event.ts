import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { PlacementSpecShape, requiresGpuChoice } from '../../placement/placement-spec';
import { EnvSchema, IdSchema, NonNegativeIntSchema, SecretEnvSchema } from '../common-fields';

export const JobSubmittedPayloadSchema = requiresGpuChoice(
  z.strictObject({
    jobId: IdSchema,
    tenantId: IdSchema.describe('The client tenant that submitted the job'),
    image: z.string().min(1).max(512).describe('Container image reference'),
    command: z.array(z.string().max(4096)).max(256).describe('Container command and arguments'),
    env: EnvSchema.optional(),
    secretEnv: SecretEnvSchema.optional(),
    ...PlacementSpecShape,
    priority: NonNegativeIntSchema.max(1000).describe('Higher runs first among queued jobs of a tenant'),
    retryBudget: NonNegativeIntSchema.max(10)
      .optional()
      .describe('Times the job is placed again after its node or supplier fails it (0 when absent)'),
    queueDeadline: TimestampSchema.optional().describe(
      'When a job still waiting for capacity expires; matching applies its default when absent',
    ),
    annotations: z
      .record(z.string().max(253), z.string().max(4096))
      .optional()
      .describe('Passed through to the workload pods'),
  }),
);

/** A client submitted a job through the gateway (already authenticated and deduplicated by idempotency key). */
export const JobSubmitted = defineEvent({
  domain: 'gateway',
  name: 'job-submitted',
  version: 1,
  description: 'A client submitted a GPU job; matching places it or explains why it cannot.',
  payload: JobSubmittedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type JobSubmittedPayload = z.infer<typeof JobSubmittedPayloadSchema>;
