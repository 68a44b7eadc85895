import { firstViolation } from './hard-constraints';
import { allocationOn, BookNode, OfferBook, Placement, PlacementRequest } from './offer-book';
import { packingScore, regionScore } from './scoring';

/**
 * The same decision as {@link OfferBook.place}, by a straightforward scan of every node: no buckets, no sorted
 * levels. It is the reference the indexed engine is checked against (property tests: same placement for every
 * random fleet and job) and the baseline the benchmark measures its speed-up against.
 */
export function placeByLinearScan(book: OfferBook, job: PlacementRequest): Placement | undefined {
  const tier = job.tier === 'on-demand' ? 0 : 1;
  const weights = book.weights;
  const groups = new Map<string, Array<{ node: Readonly<BookNode>; value: number }>>();
  for (const node of book.nodes()) {
    if (firstViolation(node, job, book.takeRateBps) !== undefined) continue;
    const key = [
      node.clusterId,
      node.region,
      node.gpuProduct,
      node.gpuMemoryMiB,
      node.interconnect,
      node.verification,
    ].join('|');
    const value = node.score[tier] + packingScore(node.gpusFree - job.gpusPerNode, weights);
    groups.set(key, [...(groups.get(key) ?? []), { node, value }]);
  }
  let best: Placement | undefined;
  for (const members of groups.values()) {
    if (members.length < job.nodeCount) continue;
    members.sort((a, b) =>
      a.value !== b.value ? b.value - a.value : a.node.nodeId < b.node.nodeId ? -1 : 1,
    );
    const chosen = members.slice(0, job.nodeCount);
    const region = chosen[0].node.region;
    const bucketScore = regionScore(
      job.preferredRegions?.includes(region) ?? false,
      book.regionUtilization(region),
      weights,
    );
    const score = chosen.reduce((sum, { value }) => sum + value, 0) + bucketScore * job.nodeCount;
    if (
      !best ||
      score > best.score ||
      (score === best.score && chosen[0].node.nodeId < best.allocations[0].nodeId)
    ) {
      best = {
        tier: job.tier,
        score,
        allocations: chosen.map(({ node }) => allocationOn(node, job)),
      };
    }
  }
  return best;
}
