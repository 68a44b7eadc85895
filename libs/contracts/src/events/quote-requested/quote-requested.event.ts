import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';
import { JobSubmittedPayloadSchema } from '../job-submitted/job-submitted.event';

const job = JobSubmittedPayloadSchema.shape;

export const QuoteRequestedPayloadSchema = z.strictObject({
  requestId: z.uuid().describe('Names the answer (quote-answered) the gateway waits for'),
  tenantId: IdSchema,
  gpusPerNode: job.gpusPerNode,
  nodeCount: job.nodeCount,
  gpuProducts: job.gpuProducts,
  minGpuMemoryMiB: job.minGpuMemoryMiB,
  interconnect: job.interconnect,
  regions: job.regions,
  verifiedOnly: job.verifiedOnly,
  maxPricePerGpuHour: job.maxPricePerGpuHour,
  expectedDurationSeconds: job.expectedDurationSeconds,
  tier: job.tier,
  requestedAt: TimestampSchema,
});

/** A client asked what a job would get now; matching answers from its offer book (nothing is reserved). */
export const QuoteRequested = defineEvent({
  domain: 'gateway',
  name: 'quote-requested',
  version: 1,
  description: 'A quote request (request-reply): matching dry-runs the job on its offer book and answers.',
  payload: QuoteRequestedPayloadSchema,
  partitionKey: (payload) => payload.requestId,
});
export type QuoteRequestedPayload = z.infer<typeof QuoteRequestedPayloadSchema>;
