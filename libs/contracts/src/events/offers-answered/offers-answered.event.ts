import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import {
  GpuProductSchema,
  IdSchema,
  InterconnectSchema,
  NetworkIdSchema,
  NonNegativeIntSchema,
  RegionSchema,
} from '../common-fields';
import { ReliabilityPartsSchema } from '../capacity-changed/capacity-changed.event';

/** One tier's price per GPU-hour, as the client pays it and as it splits between the supplier and Gridex. */
export const OfferPriceSchema = z.strictObject({
  ask: MoneySchema.describe("The supplier's ask (or the other network's charge)"),
  fee: MoneySchema.describe("Gridex's fee: the take rate on the ask, rounded up to a micro-unit"),
  price: MoneySchema.describe('What the client pays: ask plus fee'),
});

/** A sellable node as the order book sees it: the GPUs Gridex has not reserved, at the client's price. */
export const OfferSchema = z.strictObject({
  nodeId: z.uuid(),
  clusterId: IdSchema,
  nodeName: z.string().min(1).max(253),
  supplierId: IdSchema,
  networkId: NetworkIdSchema.optional().describe('Set when another compute network offers the node'),
  region: RegionSchema,
  gpuProduct: GpuProductSchema,
  gpuMemoryMiB: NonNegativeIntSchema,
  interconnect: InterconnectSchema,
  gpus: NonNegativeIntSchema.describe('GPUs the node has'),
  freeGpus: NonNegativeIntSchema.describe(
    'GPUs Kubernetes can place work on, less those Gridex has reserved',
  ),
  verification: z.enum(['unverified', 'verified', 'failed']),
  benchmarkScore: NonNegativeIntSchema.optional(),
  reliabilityBasisPoints: z.number().int().min(0).max(10_000),
  reliability: ReliabilityPartsSchema.optional(),
  takeRateBps: NonNegativeIntSchema.describe("Gridex's take on this node's ask"),
  onDemand: OfferPriceSchema.optional().describe('Absent when the node is not offered on demand'),
  interruptible: OfferPriceSchema.optional().describe('Absent when the node is not offered interruptibly'),
});
export type Offer = z.infer<typeof OfferSchema>;

export const OffersAnsweredPayloadSchema = z.strictObject({
  requestId: z.uuid(),
  items: z
    .array(OfferSchema)
    .max(500)
    .describe('Sellable offers from the order book, in the order asked for'),
  nextCursor: z.string().max(500).optional(),
  problem: z
    .strictObject({
      code: z.string().min(1).max(64),
      detail: z.string().max(500),
      errors: z.array(z.strictObject({ field: z.string().max(64), message: z.string().max(500) })).max(50),
    })
    .optional()
    .describe('Set instead of items when the query was invalid'),
  answeredAt: TimestampSchema,
});

/**
 * Matching's answer to an offer search, from its order book: the one place that knows both the capacity feed and
 * what Gridex has reserved, and so what is really free and what a client really pays.
 */
export const OffersAnswered = defineEvent({
  domain: 'matching',
  name: 'offers-answered',
  version: 1,
  description: 'The answer to an offers-requested: a page of offers, or the problem with the query.',
  payload: OffersAnsweredPayloadSchema,
  partitionKey: (payload) => payload.requestId,
});
export type OffersAnsweredPayload = z.infer<typeof OffersAnsweredPayloadSchema>;
