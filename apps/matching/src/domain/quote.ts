import { PlacementSpec } from '@gridex/contracts';
import { OfferBook } from './offer-book';
import { noFit, placementRequestFor } from './placement-request';

/** GPU-hours at a price for a duration, rounded up to a whole micro-unit (an estimate never undercharges). */
export function estimatedCostMicros(gpus: number, priceMicros: bigint, seconds: number): bigint {
  return (BigInt(gpus) * priceMicros * BigInt(seconds) + 3_599n) / 3_600n;
}

/**
 * What a job would get now: the placement the engine would make (nothing reserved; capacity moves) with its
 * estimated cost, or the same explanation a queued job gets. Shared by the HTTP route and the Kafka responder.
 */
export function quoteFor(book: OfferBook, spec: PlacementSpec, currency: string) {
  const request = placementRequestFor(spec);
  const placement = book.place(request);
  if (!placement) return { feasible: false as const, ...noFit(book.explain(request), currency) };
  const total = placement.allocations.reduce(
    (sum, a) => sum + estimatedCostMicros(a.gpus, a.priceMicros, spec.expectedDurationSeconds),
    0n,
  );
  return {
    feasible: true as const,
    tier: placement.tier,
    allocations: placement.allocations.map((a) => ({
      nodeId: a.nodeId,
      clusterId: a.clusterId,
      nodeName: a.nodeName,
      region: a.region,
      gpuProduct: a.gpuProduct,
      supplierId: a.supplierId,
      networkId: a.networkId,
      gpus: a.gpus,
      pricePerGpuHour: { currency, micros: a.priceMicros.toString() },
    })),
    estimatedCost: { currency, micros: total.toString() },
  };
}
