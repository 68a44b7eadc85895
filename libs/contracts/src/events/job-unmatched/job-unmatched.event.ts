import { z } from 'zod';
import { defineEvent } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, NonNegativeIntSchema } from '../common-fields';

const ExclusionSchema = z.strictObject({
  constraint: z
    .string()
    .min(1)
    .max(64)
    .describe('The hard constraint, e.g. gpu-product, price-cap, region, gang-size, verified'),
  excludedNodes: NonNegativeIntSchema,
  excludedGpus: NonNegativeIntSchema,
});

export const JobUnmatchedPayloadSchema = z.strictObject({
  jobId: IdSchema,
  tenantId: IdSchema,
  code: z.enum(['MATCHING.NO_CAPACITY', 'MATCHING.INFEASIBLE']).describe('Stable reason code'),
  exclusions: z.array(ExclusionSchema).describe('For each constraint, the capacity it excluded'),
  nearMiss: z
    .strictObject({
      relax: z.string().min(1).max(64).describe('The constraint the client would have to relax'),
      nodeId: z.uuid().optional().describe('The node that misses by that one constraint'),
      pricePerGpuHour: MoneySchema.optional(),
    })
    .optional()
    .describe('The cheapest placement that misses by one constraint'),
  queued: z.boolean().describe('True when the job waits for capacity and will be retried'),
  attempt: NonNegativeIntSchema.optional().describe(
    'After a failover: the placement attempt that failed (as job-matched numbers them); absent before the first',
  ),
  nodesConsidered: NonNegativeIntSchema.describe('Nodes in the offer book; the exclusions add up to this'),
});

/** Nothing fits the job right now; the explanation says which constraint excluded how much capacity. */
export const JobUnmatched = defineEvent({
  domain: 'matching',
  name: 'job-unmatched',
  version: 1,
  description: 'No capacity satisfies a job; the exclusions explain why and whether it was queued.',
  payload: JobUnmatchedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type JobUnmatchedPayload = z.infer<typeof JobUnmatchedPayloadSchema>;
