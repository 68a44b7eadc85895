import { CapacityChangedPayload, money } from '@gridex/contracts';
import { askFor, isSellable, OfferTerms, offerInForce } from '../domain/offer-rules';
import { ReliabilityScore } from '../domain/reliability';

/** A node as inventory stores it. */
export interface NodeRecord {
  nodeId: string;
  revision: number;
  clusterId: string;
  nodeName: string;
  supplierId: string;
  pool: string;
  region: string;
  gpuProduct: string;
  gpuCount: number;
  gpuMemoryMiB: number;
  interconnect: 'nvlink' | 'infiniband' | 'pcie';
  ready: boolean;
  allocatableGpus: number;
  removed: boolean;
  verification: 'unverified' | 'verified' | 'failed';
  benchmarkScore?: number;
}

/**
 * The complete sellable state of a node, as published on the capacity feed. Pure: the same inputs always give the
 * same state, which is what lets matching's rebuilt book equal inventory's.
 */
export function capacityStateOf(
  node: NodeRecord,
  context: {
    supplierKind?: 'datacenter' | 'individual' | 'network';
    poolPaused: boolean;
    offer?: OfferTerms;
    reliability: ReliabilityScore;
    supplierFaults30d: number;
    now: number;
  },
): CapacityChangedPayload {
  const { offer, now } = context;
  const inForce = offer !== undefined && offerInForce(offer, now);
  const onDemand = offer ? askFor(offer, node.nodeName, 'on-demand', now) : undefined;
  const interruptible = offer ? askFor(offer, node.nodeName, 'interruptible', now) : undefined;
  return {
    nodeId: node.nodeId,
    revision: node.revision,
    clusterId: node.clusterId,
    nodeName: node.nodeName,
    supplierId: node.supplierId,
    ...(context.supplierKind ? { supplierKind: context.supplierKind } : {}),
    pool: node.pool,
    region: node.region,
    gpuProduct: node.gpuProduct,
    gpuMemoryMiB: node.gpuMemoryMiB,
    interconnect: node.interconnect,
    gpus: node.gpuCount,
    removed: node.removed,
    ready: node.ready,
    allocatableGpus: node.allocatableGpus,
    poolPaused: context.poolPaused,
    schedulable:
      !node.removed &&
      isSellable({
        ready: node.ready,
        allocatableGpus: node.allocatableGpus,
        poolPaused: context.poolPaused,
        verification: node.verification,
        offerInForce: inForce,
      }),
    verification: node.verification,
    ...(node.benchmarkScore !== undefined ? { benchmarkScore: node.benchmarkScore } : {}),
    reliabilityBasisPoints: context.reliability.scoreBps,
    reliability: {
      uptime24hBps: context.reliability.uptimeBps['24h'],
      uptime7dBps: context.reliability.uptimeBps['7d'],
      uptime30dBps: context.reliability.uptimeBps['30d'],
      faults30d: context.reliability.faults30d,
      faultPenaltyBps: context.reliability.faultPenaltyBps,
    },
    supplierFaults30d: context.supplierFaults30d,
    ...(offer && onDemand !== undefined ? { pricePerGpuHour: money(offer.currency, onDemand) } : {}),
    ...(offer && interruptible !== undefined
      ? { interruptiblePricePerGpuHour: money(offer.currency, interruptible) }
      : {}),
  };
}
