import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { GpuProductSchema, IdSchema, PositiveIntSchema } from '../common-fields';

export const VerificationRequestedPayloadSchema = z.strictObject({
  verificationId: z.uuid().describe('Deterministic from the node id and the number of the verification'),
  nodeId: z.uuid(),
  clusterId: IdSchema,
  nodeName: z.string().min(1).max(253),
  gpuProduct: GpuProductSchema.describe('The GPU the node declares'),
  gpuCount: PositiveIntSchema,
  requestedAt: TimestampSchema,
});

/** Inventory asks the orchestrator to run the GPU benchmark pinned to one node. */
export const VerificationRequested = defineEvent({
  domain: 'inventory',
  name: 'verification-requested',
  version: 1,
  description:
    'Inventory asks for a GPU benchmark on one node, to check that it delivers the GPUs it declares.',
  payload: VerificationRequestedPayloadSchema,
  partitionKey: (payload) => payload.nodeId,
});
export type VerificationRequestedPayload = z.infer<typeof VerificationRequestedPayloadSchema>;
