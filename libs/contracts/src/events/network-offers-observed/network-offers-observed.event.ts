import { z } from 'zod';
import { defineEvent, TimestampSchema } from '../../envelope/event-envelope';
import { MoneySchema } from '../../money/money';
import {
  GpuProductSchema,
  InterconnectSchema,
  NetworkIdSchema,
  NonNegativeIntSchema,
  PositiveIntSchema,
  RegionSchema,
} from '../common-fields';

/** Most offers one observation carries: a Kafka message stays far below the broker's 1 MiB default. */
export const MAX_NETWORK_OFFERS_OBSERVED = 2000;

const ObservedOfferSchema = z.strictObject({
  offerId: z.string().min(1).max(300).describe("The network's own name for the offer"),
  region: RegionSchema,
  gpuProduct: GpuProductSchema,
  gpuMemoryMiB: PositiveIntSchema,
  gpusPerNode: PositiveIntSchema.describe('Free GPUs on each node of the offer'),
  nodes: PositiveIntSchema.describe('How many such nodes are free'),
  interconnect: InterconnectSchema,
  pricePerGpuHour: MoneySchema.describe('What the network charges Gridex per GPU-hour (before Gridex’s fee)'),
  reliabilityBasisPoints: z.number().int().min(0).max(10_000).describe("The network's reliability for it"),
});

export const NetworkOffersObservedPayloadSchema = z.strictObject({
  networkId: NetworkIdSchema,
  observedAt: TimestampSchema.describe('When the offers were read; older observations are ignored'),
  validUntil: TimestampSchema.describe(
    'Unless observed again by then, the offers are withdrawn (the orchestrator stopped, or dropped the network)',
  ),
  routable: z
    .boolean()
    .describe(
      'False while the network is not to be routed to (breaker open, offers too old): sell none of it',
    ),
  trust: z.enum(['trusted', 'probation']).describe('trusted capacity counts as verified'),
  feeBps: NonNegativeIntSchema.describe("Gridex's fee on the network's price, in basis points"),
  offers: z
    .array(ObservedOfferSchema)
    .max(MAX_NETWORK_OFFERS_OBSERVED)
    .describe('Every offer of the network now (an offer left out is gone); empty when not routable'),
});

/**
 * The orchestrator read another compute network's offers (or found it unreachable). Inventory turns them into
 * capacity of supplier kind `network` on the capacity feed, so matching routes to them like Gridex's own.
 */
export const NetworkOffersObserved = defineEvent({
  domain: 'orchestrator',
  name: 'network-offers-observed',
  version: 1,
  description: "Another compute network's current offers, as the orchestrator read them through its adapter.",
  payload: NetworkOffersObservedPayloadSchema,
  partitionKey: (payload) => payload.networkId,
});
export type NetworkOffersObservedPayload = z.infer<typeof NetworkOffersObservedPayloadSchema>;
