import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import {
  GpuProductSchema,
  IdSchema,
  InterconnectSchema,
  NonNegativeIntSchema,
  RegionSchema,
} from '../common-fields';

const NodeResourcesSchema = z.strictObject({
  gpus: NonNegativeIntSchema.describe('nvidia.com/gpu'),
  cpuMillis: NonNegativeIntSchema.describe('CPU in millicores'),
  memoryMiB: NonNegativeIntSchema.describe('Memory in MiB'),
});

export const NodeObservedPayloadSchema = z.strictObject({
  clusterId: IdSchema.describe('The Kubernetes cluster the node belongs to'),
  nodeName: z.string().min(1).max(253).describe('Kubernetes node name'),
  observation: z
    .enum(['added', 'changed', 'ready', 'not-ready', 'removed'])
    .describe('What changed: added, changed (labels or resources), ready, not-ready, removed'),
  observedAt: TimestampSchema.describe('When the orchestrator saw the change'),
  resourceVersion: z.string().min(1).describe('Kubernetes resourceVersion of the node object seen'),
  ready: z.boolean().describe('The node condition Ready'),
  supplierId: IdSchema.describe('Node label gridex.io/supplier'),
  pool: IdSchema.describe('Node label gridex.io/pool'),
  region: RegionSchema,
  gpuProduct: GpuProductSchema,
  gpuMemoryMiB: NonNegativeIntSchema.describe('Node label nvidia.com/gpu.memory (MiB per GPU)'),
  interconnect: InterconnectSchema.describe('Node label gridex.io/interconnect'),
  capacity: NodeResourcesSchema,
  allocatable: NodeResourcesSchema,
});

/** The orchestrator saw a GPU node appear, change, change readiness, or disappear. */
export const NodeObserved = defineEvent({
  domain: 'orchestrator',
  name: 'node-observed',
  version: 1,
  description:
    'A GPU node in a Gridex cluster was added, changed, became ready or not ready, or was removed.',
  payload: NodeObservedPayloadSchema,
  partitionKey: (payload) => `${payload.clusterId}/${payload.nodeName}`,
});
export type NodeObservedPayload = z.infer<typeof NodeObservedPayloadSchema>;
