import { NodeState, OfferBook } from './offer-book';
import { listOffers, OfferQuery } from './offer-listing';

const H100 = 'NVIDIA-H100-80GB-HBM3';
const A100 = 'NVIDIA-A100-SXM4-80GB';

/** Node ids sort as their last digit, so the tie-breaker is easy to read. */
const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

function node(n: number, patch: Partial<NodeState> = {}): NodeState {
  return {
    nodeId: id(n),
    nodeName: `node-${n}`,
    clusterId: 'local',
    region: 'eu-north',
    supplierId: 'nordic-dc',
    gpuProduct: H100,
    gpuMemoryMiB: 81_559,
    interconnect: 'infiniband',
    allocatableGpus: 8,
    gpus: 8,
    schedulable: true,
    verification: 'verified',
    reliabilityBps: 9_900,
    benchmarkScore: 1000,
    onDemandAskMicros: 2_000_000n,
    ...patch,
  };
}

/**
 * 1: 2.00, bench 1000, 99 %      2: 1.50, bench 1000, 95 %      3: 3.00, bench 4000, 99.9 %
 * 4: A100 1.00, 4 of 8 GPUs reserved, unverified                5: interruptible only (0.80)
 * 6: not sellable                7: 2.00 (ties with 1)
 */
function book(): OfferBook {
  const b = new OfferBook({
    weights: { price: 1, perfPerDollar: 1, reliability: 1, preferredRegion: 0, loadSpread: 0, packing: 0 },
    takeRateBps: 1_000,
  });
  b.upsert(node(1));
  b.upsert(node(2, { onDemandAskMicros: 1_500_000n, reliabilityBps: 9_500, region: 'us-east' }));
  b.upsert(node(3, { onDemandAskMicros: 3_000_000n, benchmarkScore: 4000, reliabilityBps: 9_990 }));
  b.upsert(node(4, { gpuProduct: A100, onDemandAskMicros: 1_000_000n, verification: 'unverified', gpus: 8 }));
  b.reserve([{ nodeId: id(4), gpus: 4 }]);
  b.upsert(node(5, { onDemandAskMicros: undefined, interruptibleAskMicros: 800_000n }));
  b.upsert(node(6, { schedulable: false }));
  b.upsert(node(7));
  return b;
}

const query = (patch: Partial<OfferQuery> = {}): OfferQuery => ({
  minFreeGpus: 1,
  sort: 'price',
  limit: 50,
  ...patch,
});

const names = (q: OfferQuery) => listOffers(book().nodes(), q).items.map((n) => n.nodeName);

describe('offer listing over the book', () => {
  it.each<[string, Partial<OfferQuery>, string[]]>([
    [
      'price: cheapest client price first, ties by node id, unpriced on demand last',
      {},
      ['node-4', 'node-2', 'node-1', 'node-7', 'node-3', 'node-5'],
    ],
    [
      'perf-per-dollar: most benchmark per USD first',
      { sort: 'perf-per-dollar' },
      ['node-3', 'node-4', 'node-2', 'node-1', 'node-7', 'node-5'],
    ],
    [
      'reliability: most reliable first',
      { sort: 'reliability' },
      ['node-3', 'node-1', 'node-4', 'node-5', 'node-7', 'node-2'],
    ],
    ['a product', { gpuProduct: [A100] }, ['node-4']],
    ['a region', { region: ['us-east'] }, ['node-2']],
    ['verified only', { verifiedOnly: true }, ['node-2', 'node-1', 'node-7', 'node-3', 'node-5']],
    ['a reliability floor', { minReliabilityBps: 9_900 }, ['node-4', 'node-1', 'node-7', 'node-3', 'node-5']],
    [
      'a price cap on what the client pays (2.00 ask + 10 % = 2.20)',
      { maxPricePerGpuHourMicros: 2_200_000 },
      ['node-4', 'node-2', 'node-1', 'node-7'],
    ],
    [
      'a cap one micro-unit under the client price',
      { maxPricePerGpuHourMicros: 2_199_999 },
      ['node-4', 'node-2'],
    ],
    [
      'free GPUs net of reservations (node 4 has 4 left)',
      { minFreeGpus: 5 },
      ['node-2', 'node-1', 'node-7', 'node-3', 'node-5'],
    ],
    ['node size, whatever is reserved', { minGpusPerNode: 8, gpuProduct: [A100] }, ['node-4']],
  ])('%s', (_name, patch, expected) => {
    expect(names(query(patch))).toEqual(expected);
  });

  it('shows free GPUs net of what the book reserved, and the node total beside them', () => {
    const [a100] = listOffers(book().nodes(), query({ gpuProduct: [A100] })).items;
    expect([a100.gpus, a100.gpusFree]).toEqual([8, 4]);
  });

  it('pages through every offer exactly once, in order, for every sort', () => {
    for (const sort of ['price', 'perf-per-dollar', 'reliability'] as const) {
      const all = names(query({ sort }));
      const seen: string[] = [];
      let page = listOffers(book().nodes(), query({ sort, limit: 2 }));
      seen.push(...page.items.map((n) => n.nodeName));
      while (page.next) {
        page = listOffers(book().nodes(), query({ sort, limit: 2 }), page.next);
        seen.push(...page.items.map((n) => n.nodeName));
      }
      expect(seen).toEqual(all);
    }
  });
});
