import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import {
  EnvSchema,
  GpuProductSchema,
  IdSchema,
  InterconnectSchema,
  NonNegativeIntSchema,
  PositiveIntSchema,
  RegionSchema,
  SecretEnvSchema,
  TierSchema,
} from '../common-fields';

export const JobSubmittedPayloadSchema = z
  .strictObject({
    jobId: IdSchema,
    tenantId: IdSchema.describe('The client tenant that submitted the job'),
    image: z.string().min(1).max(512).describe('Container image reference'),
    command: z.array(z.string().max(4096)).max(256).describe('Container command and arguments'),
    env: EnvSchema.optional(),
    secretEnv: SecretEnvSchema.optional(),
    gpusPerNode: PositiveIntSchema.max(16),
    nodeCount: PositiveIntSchema.max(512).describe('Nodes in the gang; all are placed or none'),
    gpuProducts: z.array(GpuProductSchema).max(32).optional().describe('Acceptable GPU products'),
    minGpuMemoryMiB: PositiveIntSchema.optional().describe('Minimum memory per GPU'),
    interconnect: InterconnectSchema.optional().describe('Required fabric between the gang nodes'),
    regions: z.array(RegionSchema).max(32).optional().describe('Allowed regions; any when absent'),
    preferredRegions: z
      .array(RegionSchema)
      .max(32)
      .optional()
      .describe('Regions to favour among the allowed ones (a soft preference)'),
    minReliabilityBasisPoints: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('Minimum node uptime over 7 days, basis points'),
    verifiedOnly: z.boolean().optional().describe('Only nodes whose benchmark verified them'),
    maxPricePerGpuHour: MoneySchema.describe('Price cap per GPU-hour'),
    expectedDurationSeconds: PositiveIntSchema.describe('Client estimate, used for holds and lease limits'),
    tier: TierSchema,
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
  })
  .refine((job) => job.gpuProducts !== undefined || job.minGpuMemoryMiB !== undefined, {
    message: 'either gpuProducts or minGpuMemoryMiB is required',
    path: ['gpuProducts'],
  });

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
