import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { IdSchema } from '../common-fields';

export const SupplierFaultObservedPayloadSchema = z.strictObject({
  faultId: z.uuid().describe('Deterministic from what failed, so a repeated report is one fault'),
  clusterId: IdSchema,
  nodeName: z.string().min(1).max(253),
  kind: z
    .enum(['node-lost', 'gpu-error', 'network-partition'])
    .describe("What went wrong on the supplier's side while running work"),
  jobId: IdSchema.optional().describe('The job that suffered, when there was one'),
  detail: z.string().max(1000),
  observedAt: TimestampSchema,
});

/** Work failed because of the supplier's node; inventory counts it against the supplier's reliability. */
export const SupplierFaultObserved = defineEvent({
  domain: 'orchestrator',
  name: 'supplier-fault-observed',
  version: 1,
  description: "A workload failed because of the supplier's node (lost node, GPU error, network partition).",
  payload: SupplierFaultObservedPayloadSchema,
  partitionKey: (payload) => `${payload.clusterId}/${payload.nodeName}`,
});
export type SupplierFaultObservedPayload = z.infer<typeof SupplierFaultObservedPayloadSchema>;
