import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema, NonNegativeIntSchema, TokenUnitsSchema } from '../common-fields';

export const StakeSlashedPayloadSchema = z.strictObject({
  slashId: z.uuid().describe('Deterministic from the fault that caused it: one slash per fault'),
  supplierId: IdSchema,
  nodeId: z.uuid(),
  fault: z.enum(['node-lost', 'gpu-error', 'network-partition', 'failed-verification']),
  faultsInWindow: NonNegativeIntSchema.describe(
    "This node's faults within the escalation window, this one included",
  ),
  shareBasisPoints: NonNegativeIntSchema,
  slashedUnits: TokenUnitsSchema,
  stakeAfterUnits: TokenUnitsSchema,
  evidence: z.strictObject({
    sourceEventId: z.uuid().describe('The event that reported the fault'),
    jobId: IdSchema.optional(),
    detail: z.string().max(1000),
    observedAt: TimestampSchema,
  }),
  slashedAt: TimestampSchema,
});

/** A supplier-caused fault took a share of a node's stake. */
export const StakeSlashed = defineEvent({
  domain: 'rewards',
  name: 'stake-slashed',
  version: 1,
  description:
    "A supplier-caused fault (lost node, GPU error, partition, failed verification) took a share of the node's " +
    'stake, more for repeats within the window; the evidence names the reporting event.',
  payload: StakeSlashedPayloadSchema,
  partitionKey: (payload) => payload.nodeId,
});
export type StakeSlashedPayload = z.infer<typeof StakeSlashedPayloadSchema>;
