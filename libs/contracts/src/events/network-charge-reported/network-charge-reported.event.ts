import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import { IdSchema, NetworkIdSchema, NonNegativeIntSchema } from '../common-fields';

export const NetworkChargeReportedPayloadSchema = z.strictObject({
  networkId: NetworkIdSchema,
  jobId: IdSchema.describe("Gridex's job"),
  reservationId: z.uuid().describe('The placement that ran on the network (what billing metered)'),
  externalJobId: z.string().min(1).max(300).describe("The job's id on the network"),
  gpuSeconds: NonNegativeIntSchema.describe('GPU-seconds the network metered'),
  charged: MoneySchema.describe('What the network charged Gridex for the job'),
  reportedAt: TimestampSchema,
});

/**
 * What another network charged Gridex for a job it ran, as its API reports once the job is settled there.
 * Billing reconciles it, job by job, with what it owes that network from its own metering.
 */
export const NetworkChargeReported = defineEvent({
  domain: 'orchestrator',
  name: 'network-charge-reported',
  version: 1,
  description: 'Another compute network reported what it metered and charged Gridex for a job it ran.',
  payload: NetworkChargeReportedPayloadSchema,
  partitionKey: (payload) => payload.reservationId,
});
export type NetworkChargeReportedPayload = z.infer<typeof NetworkChargeReportedPayloadSchema>;
