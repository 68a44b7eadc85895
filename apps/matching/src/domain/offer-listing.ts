import { BookNode } from './offer-book';

/**
 * Offer search over the order book: what a client browsing the market sees. Matching answers it because only the
 * book knows both the capacity feed and what Gridex has reserved: `freeGpus` is the node's allocatable GPUs less
 * the book's reservations, and prices are the client's (the ask plus the node's take, both shown).
 *
 * A search filters every node of the book and sorts the matches: linear in the book, paid per search, never per
 * placement (a 5,000-node book answers in about a millisecond; `bench:matching` keeps the engine's own figures).
 */

/** Orderings: cheapest on-demand price first, most benchmark per unit of price first, most reliable first. */
export const OFFER_SORTS = ['price', 'perf-per-dollar', 'reliability'] as const;

/** What a search asks for (parsed from its query string by the service). */
export interface OfferQuery {
  gpuProduct?: string[];
  minGpuMemoryMiB?: number;
  region?: string[];
  interconnect?: string[];
  minGpusPerNode?: number;
  /** Nodes with fewer unreserved GPUs are left out; 0 lists fully booked nodes too. */
  minFreeGpus: number;
  /** Cap on the on-demand price the client pays (ask plus fee), micro-units. */
  maxPricePerGpuHourMicros?: number;
  minReliabilityBps?: number;
  verifiedOnly?: boolean;
  sort: (typeof OFFER_SORTS)[number];
  limit: number;
}

/** Keyset position after the last offer of a page: its sort value and node id (the tie-breaker). */
export interface OfferCursor {
  value: number;
  nodeId: string;
}

/** Sorts after every real price: a node offered only interruptibly has no on-demand price to rank by. */
const UNPRICED = Number.MAX_SAFE_INTEGER;

/** Every ordering as an ascending number, so that one cursor shape serves them all. */
export function offerSortKey(node: Readonly<BookNode>, sort: OfferQuery['sort']): number {
  const price = node.clientPrice[0];
  switch (sort) {
    case 'price':
      return price === undefined ? UNPRICED : Number(price);
    case 'perf-per-dollar':
      // Benchmark points per USD of the client's on-demand price; 0 when either is unknown.
      return price === undefined || !node.benchmarkScore
        ? 0
        : -(node.benchmarkScore * 1_000_000) / Number(price);
    case 'reliability':
      return -node.reliabilityBps;
  }
}

/** Whether a node is offered at all (sellable, priced for a tier) and passes the query's filters. */
export function offerMatches(node: Readonly<BookNode>, query: OfferQuery): boolean {
  if (!node.schedulable || (node.clientPrice[0] === undefined && node.clientPrice[1] === undefined))
    return false;
  if (node.gpusFree < query.minFreeGpus) return false;
  if (query.gpuProduct && !query.gpuProduct.includes(node.gpuProduct)) return false;
  if (query.minGpuMemoryMiB !== undefined && node.gpuMemoryMiB < query.minGpuMemoryMiB) return false;
  if (query.region && !query.region.includes(node.region)) return false;
  if (query.interconnect && !query.interconnect.includes(node.interconnect)) return false;
  if (query.minGpusPerNode !== undefined && node.gpus < query.minGpusPerNode) return false;
  if (query.maxPricePerGpuHourMicros !== undefined) {
    const price = node.clientPrice[0];
    if (price === undefined || price > BigInt(query.maxPricePerGpuHourMicros)) return false;
  }
  if (query.minReliabilityBps !== undefined && node.reliabilityBps < query.minReliabilityBps) return false;
  if (query.verifiedOnly && node.verification !== 'verified') return false;
  return true;
}

/** One page of offers in the query's order, after `cursor`; `next` when more follow. */
export function listOffers(
  nodes: Iterable<Readonly<BookNode>>,
  query: OfferQuery,
  cursor?: OfferCursor,
): { items: Array<Readonly<BookNode>>; next?: OfferCursor } {
  const matches: Array<{ key: number; node: Readonly<BookNode> }> = [];
  for (const node of nodes) {
    if (!offerMatches(node, query)) continue;
    const key = offerSortKey(node, query.sort);
    if (cursor && (key < cursor.value || (key === cursor.value && node.nodeId <= cursor.nodeId))) continue;
    matches.push({ key, node });
  }
  matches.sort((a, b) => a.key - b.key || (a.node.nodeId < b.node.nodeId ? -1 : 1));
  const page = matches.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((match) => match.node),
    ...(matches.length > query.limit && last ? { next: { value: last.key, nodeId: last.node.nodeId } } : {}),
  };
}
