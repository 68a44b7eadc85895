import { JobUnmatchedPayload, PlacementSpec } from '@gridex/contracts';
import { Explanation, PlacementRequest } from './offer-book';

/** The engine's view of a placement spec (plus the nodes the job already failed on). */
export function placementRequestFor(
  spec: PlacementSpec,
  excludedNodeIds: readonly string[] = [],
): PlacementRequest {
  return {
    gpusPerNode: spec.gpusPerNode,
    nodeCount: spec.nodeCount,
    gpuProducts: spec.gpuProducts,
    minGpuMemoryMiB: spec.minGpuMemoryMiB,
    interconnect: spec.interconnect,
    regions: spec.regions,
    preferredRegions: spec.preferredRegions,
    maxPricePerGpuHourMicros: BigInt(spec.maxPricePerGpuHour.micros),
    minReliabilityBps: spec.minReliabilityBasisPoints,
    verifiedOnly: spec.verifiedOnly,
    tier: spec.tier,
    networks: spec.networks,
    excludedNodeIds: excludedNodeIds.length > 0 ? new Set(excludedNodeIds) : undefined,
  };
}

/** Why nothing fits, in the words of the contracts (what job.unmatched and an infeasible quote carry). */
export type NoFit = Pick<JobUnmatchedPayload, 'code' | 'exclusions' | 'nearMiss' | 'nodesConsidered'>;

/** An explanation in contract form, prices in `currency`. */
export function noFit(explanation: Explanation, currency: string): NoFit {
  const { nearMiss } = explanation;
  return {
    code: explanation.code,
    exclusions: explanation.exclusions,
    nearMiss: nearMiss && {
      relax: nearMiss.relax,
      nodeId: nearMiss.nodeId,
      pricePerGpuHour:
        nearMiss.priceMicros === undefined
          ? undefined
          : { currency, micros: nearMiss.priceMicros.toString() },
    },
    nodesConsidered: explanation.nodesConsidered,
  };
}
