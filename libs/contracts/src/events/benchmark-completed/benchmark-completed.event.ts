import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema, NonNegativeIntSchema } from '../common-fields';

export const BenchmarkCompletedPayloadSchema = z
  .strictObject({
    verificationId: z.uuid(),
    nodeId: z.uuid(),
    clusterId: IdSchema,
    nodeName: z.string().min(1).max(253),
    outcome: z
      .enum(['measured', 'failed'])
      .describe('measured: the benchmark reported a score; failed: it did not run to a result'),
    score: NonNegativeIntSchema.optional().describe(
      'The whole node’s score (H100 GPU = 1000); present when measured',
    ),
    detail: z.string().max(1000).optional().describe('Why the benchmark failed'),
    completedAt: TimestampSchema,
  })
  .refine((result) => (result.outcome === 'measured') === (result.score !== undefined), {
    message: 'score is required when measured and forbidden otherwise',
    path: ['score'],
  });

/** The orchestrator ran a verification benchmark on a node; inventory judges the score. */
export const BenchmarkCompleted = defineEvent({
  domain: 'orchestrator',
  name: 'benchmark-completed',
  version: 1,
  description: 'A verification benchmark pinned to a node finished, with its score or the reason it failed.',
  payload: BenchmarkCompletedPayloadSchema,
  partitionKey: (payload) => payload.nodeId,
});
export type BenchmarkCompletedPayload = z.infer<typeof BenchmarkCompletedPayloadSchema>;
