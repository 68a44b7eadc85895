import { z } from 'zod';
import { defineEvent } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import {
  GpuProductSchema,
  IdSchema,
  InterconnectSchema,
  NetworkIdSchema,
  NonNegativeIntSchema,
  PositiveIntSchema,
  RegionSchema,
  SupplierKindSchema,
} from '../common-fields';

/** What a node's reliability score is made of (docs/reliability.md). */
export const ReliabilityPartsSchema = z
  .strictObject({
    uptime24hBps: z.number().int().min(0).max(10_000),
    uptime7dBps: z.number().int().min(0).max(10_000),
    uptime30dBps: z.number().int().min(0).max(10_000),
    faults30d: NonNegativeIntSchema.describe('Faults attributed to this node in the last 30 days'),
    faultPenaltyBps: NonNegativeIntSchema,
  })
  .describe('The parts of the score: uptime per window and the faults it was charged for');
export type ReliabilityParts = z.infer<typeof ReliabilityPartsSchema>;

export const CapacityChangedPayloadSchema = z.strictObject({
  nodeId: z.uuid().describe('Inventory id of the node (deterministic from cluster and node name)'),
  revision: PositiveIntSchema.describe(
    'Increases with every change of this node; consumers ignore older revisions',
  ),
  clusterId: IdSchema,
  nodeName: z.string().min(1).max(253),
  supplierId: IdSchema,
  supplierKind: SupplierKindSchema.optional().describe('Absent until the supplier has registered'),
  networkId: NetworkIdSchema.optional().describe(
    'Set when the capacity is offered by another compute network (supplierKind network), reached by its adapter',
  ),
  pool: IdSchema,
  region: RegionSchema,
  gpuProduct: GpuProductSchema,
  gpuMemoryMiB: NonNegativeIntSchema,
  interconnect: InterconnectSchema,
  gpus: NonNegativeIntSchema.describe('GPUs the node has'),
  removed: z.boolean().describe('The node left the cluster; this is its last state'),
  ready: z.boolean().describe('Kubernetes Ready condition'),
  allocatableGpus: NonNegativeIntSchema.describe('GPUs Kubernetes can still place work on'),
  poolPaused: z.boolean().describe('The supplier paused the pool'),
  schedulable: z
    .boolean()
    .describe(
      'Sellable now: ready, not removed, GPUs free, pool not paused, an offer in force, verification not failed',
    ),
  verification: z.enum(['unverified', 'verified', 'failed']),
  benchmarkScore: NonNegativeIntSchema.optional().describe('Measured performance, reference GPU = 1000'),
  reliabilityBasisPoints: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .describe('The reliability score in basis points (10000 = 100 %), by the formula of docs/reliability.md'),
  reliability: ReliabilityPartsSchema.optional(),
  supplierFaults30d: NonNegativeIntSchema.describe(
    "Faults attributed to the node's supplier in the last 30 days",
  ),
  pricePerGpuHour: MoneySchema.optional().describe('On-demand ask per GPU-hour; absent without an offer'),
  takeRateBps: NonNegativeIntSchema.optional().describe(
    "Gridex's take on this capacity when it is not the market's: the fee of the network that offers it",
  ),
  interruptiblePricePerGpuHour: MoneySchema.optional(),
});

/** Inventory's current view of one node's sellable capacity; matching rebuilds its offer book from these. */
export const CapacityChanged = defineEvent({
  domain: 'inventory',
  name: 'capacity-changed',
  version: 1,
  description:
    "The sellable state of one GPU node changed: readiness, verification, reliability or its offer's price.",
  payload: CapacityChangedPayloadSchema,
  partitionKey: (payload) => payload.nodeId,
});
export type CapacityChangedPayload = z.infer<typeof CapacityChangedPayloadSchema>;
