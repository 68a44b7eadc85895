import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, NetworkIdSchema, NonNegativeIntSchema, PositiveIntSchema } from '../common-fields';
import { JobUnmatchedPayloadSchema } from '../job-unmatched/job-unmatched.event';

const unmatched = JobUnmatchedPayloadSchema.shape;

export const QuoteAnsweredPayloadSchema = z.strictObject({
  requestId: z.uuid(),
  feasible: z.boolean(),
  estimatedCost: MoneySchema.optional().describe('GPUs × price × expected duration, when feasible'),
  allocations: z
    .array(
      z.strictObject({
        clusterId: IdSchema,
        nodeName: z.string().min(1).max(253),
        networkId: NetworkIdSchema.optional().describe('The other compute network it would run on'),
        region: IdSchema,
        gpuProduct: z.string().min(1).max(100),
        gpus: PositiveIntSchema,
        pricePerGpuHour: MoneySchema,
      }),
    )
    .optional(),
  code: unmatched.code.optional(),
  exclusions: unmatched.exclusions.optional(),
  nearMiss: unmatched.nearMiss,
  nodesConsidered: NonNegativeIntSchema,
  answeredAt: TimestampSchema,
});

/** Matching's answer to a quote request: the placement it would make now, or why nothing fits. */
export const QuoteAnswered = defineEvent({
  domain: 'matching',
  name: 'quote-answered',
  version: 1,
  description:
    'The answer to a quote-requested: a feasible placement with its cost now, or the reasons it fails.',
  payload: QuoteAnsweredPayloadSchema,
  partitionKey: (payload) => payload.requestId,
});
export type QuoteAnsweredPayload = z.infer<typeof QuoteAnsweredPayloadSchema>;
