import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import {
  EnvSchema,
  IdSchema,
  NetworkIdSchema,
  NonNegativeIntSchema,
  PositiveIntSchema,
  SecretEnvSchema,
  TierSchema,
} from '../common-fields';

const NodeAllocationSchema = z.strictObject({
  nodeId: z.uuid(),
  clusterId: IdSchema,
  nodeName: z.string().min(1).max(253),
  supplierId: IdSchema,
  networkId: NetworkIdSchema.optional().describe(
    'The other compute network the member runs on; absent on Gridex capacity',
  ),
  region: IdSchema,
  gpuProduct: z.string().min(1).max(100).describe('For invoices and earnings per GPU class'),
  gpus: PositiveIntSchema,
  pricePerGpuHour: MoneySchema.describe('Client price per GPU-hour, snapshotted at match time'),
  supplierPricePerGpuHour: MoneySchema.describe("Supplier's ask per GPU-hour, snapshotted at match time"),
});

const ScoreTermsSchema = z
  .strictObject({
    price: z.number().describe('Cheaper is better: weighted −ln(client price per GPU-hour)'),
    perfPerDollar: z.number().describe('Weighted ln(benchmark score per unit of price)'),
    reliability: z.number().describe('Weighted reliability'),
    preferredRegion: z.number().describe("Bonus for one of the job's preferred regions"),
    loadSpread: z.number().describe("Penalty for the region's GPU utilization"),
    packing: z.number().describe('Penalty for GPUs the placement leaves idle on the node'),
    total: z.number().describe('The sum: the higher total wins'),
  })
  .describe('A score term by term (floats: they order offers, they are never money)');

const PlacementScoreSchema = z.strictObject({
  nodeId: z.string().min(1).max(128),
  nodeName: z.string().min(1).max(253),
  supplierId: IdSchema,
  networkId: NetworkIdSchema.optional(),
  region: IdSchema,
  pricePerGpuHour: MoneySchema.describe('Client price per GPU-hour'),
  score: ScoreTermsSchema,
});

export const JobMatchedPayloadSchema = z.strictObject({
  jobId: IdSchema,
  tenantId: IdSchema,
  reservationId: z.uuid().describe('Deterministic from job id and attempt'),
  attempt: NonNegativeIntSchema.describe('0 for the first placement, +1 for each failover'),
  tier: TierSchema,
  expectedDurationSeconds: PositiveIntSchema,
  allocations: z.array(NodeAllocationSchema).min(1).describe('One entry per gang member, in rank order'),
  matchedAt: TimestampSchema,
  image: z.string().min(1).max(512).describe('Container image, from the job'),
  command: z.array(z.string().max(4096)).max(256),
  env: EnvSchema.optional(),
  secretEnv: SecretEnvSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional().describe('From the job, for the workload pods'),
  explanation: z
    .strictObject({
      chosen: PlacementScoreSchema.describe("The placement's first node (a gang shares region and product)"),
      runnerUp: PlacementScoreSchema.optional().describe(
        'The best placement on other nodes; absent when none',
      ),
    })
    .optional()
    .describe('Why the job landed where it did: the score of the chosen offer and of the runner-up'),
});

/** Matching reserved the whole gang and fixed its prices. */
export const JobMatched = defineEvent({
  domain: 'matching',
  name: 'job-matched',
  version: 1,
  description: 'Matching reserved capacity for every node of a job and snapshotted its prices.',
  payload: JobMatchedPayloadSchema,
  partitionKey: (payload) => payload.jobId,
});
export type JobMatchedPayload = z.infer<typeof JobMatchedPayloadSchema>;
