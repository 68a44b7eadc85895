import fc from 'fast-check';
import { placeByLinearScan } from './naive-placement';
import { NodeState, OfferBook, PlacementRequest } from './offer-book';
import {
  DEFAULT_SCORE_WEIGHTS,
  nodeScore,
  packingScore,
  regionScore,
  scoreBreakdown,
  validateWeights,
} from './scoring';

const TAKE = 1_000;
const H100 = 'NVIDIA-H100-80GB-HBM3';
const A100 = 'NVIDIA-A100-SXM4-80GB';
const RTX4090 = 'NVIDIA-GeForce-RTX-4090';

function node(nodeId: string, patch: Partial<NodeState> = {}): NodeState {
  return {
    nodeId,
    nodeName: `node-${nodeId}`,
    clusterId: 'local',
    region: 'eu-north',
    supplierId: 'nordic-dc',
    gpuProduct: H100,
    gpuMemoryMiB: 81_559,
    interconnect: 'infiniband',
    allocatableGpus: 8,
    schedulable: true,
    verification: 'verified',
    reliabilityBps: 9_990,
    benchmarkScore: 1000,
    onDemandAskMicros: 2_000_000n,
    interruptibleAskMicros: 1_200_000n,
    ...patch,
  };
}

const singleH100: PlacementRequest = {
  gpusPerNode: 1,
  nodeCount: 1,
  gpuProducts: [H100],
  maxPricePerGpuHourMicros: 5_000_000n,
  tier: 'on-demand',
};

function bookOf(nodes: NodeState[], weights = DEFAULT_SCORE_WEIGHTS): OfferBook {
  const book = new OfferBook({ weights, takeRateBps: TAKE });
  for (const n of nodes) book.upsert(n);
  return book;
}

describe('scoring', () => {
  it.each<[string, [bigint, number, number], [bigint, number, number], 'first' | 'second']>([
    [
      'cheaper wins at equal performance and reliability',
      [1_000_000n, 1000, 9_900],
      [2_000_000n, 1000, 9_900],
      'first',
    ],
    ['faster per dollar wins at equal price', [2_000_000n, 900, 9_900], [2_000_000n, 1100, 9_900], 'second'],
    [
      'more reliable wins at equal price and performance',
      [2_000_000n, 1000, 9_000],
      [2_000_000n, 1000, 9_990],
      'second',
    ],
    // 10 % less uptime outweighs a price 20 % lower with the default weights (reliability 5 × 0.1 > 2 × ln 1.25).
    [
      'a little cheaper does not beat much more reliable',
      [1_600_000n, 1000, 8_990],
      [2_000_000n, 1000, 9_990],
      'second',
    ],
  ])('%s', (_name, a, b, winner) => {
    const first = nodeScore(a[0], a[1], a[2], DEFAULT_SCORE_WEIGHTS);
    const second = nodeScore(b[0], b[1], b[2], DEFAULT_SCORE_WEIGHTS);
    expect(first > second ? 'first' : 'second').toBe(winner);
  });

  it('means the same for every price scale: halving all prices keeps the order and the gaps', () => {
    const gap = (scale: bigint) =>
      nodeScore(1_000_000n * scale, 1000, 9_900, DEFAULT_SCORE_WEIGHTS) -
      nodeScore(2_000_000n * scale, 1000, 9_900, DEFAULT_SCORE_WEIGHTS);
    expect(gap(1n)).toBeCloseTo(gap(10n), 12);
  });

  it.each([
    [true, 0, 0.5],
    [false, 0, 0],
    [false, 1, -1],
    [true, 0.5, 0],
  ])('region term: preferred %p at utilization %p → %p', (preferred, utilization, expected) => {
    expect(regionScore(preferred, utilization, DEFAULT_SCORE_WEIGHTS)).toBeCloseTo(expected, 12);
  });

  it('packing prefers leaving fewer GPUs idle', () => {
    expect(packingScore(0, DEFAULT_SCORE_WEIGHTS)).toBeGreaterThan(packingScore(7, DEFAULT_SCORE_WEIGHTS));
  });

  it('names a bad weight', () => {
    expect(validateWeights({ ...DEFAULT_SCORE_WEIGHTS, price: -1, packing: Number.NaN })).toEqual([
      'score weight price must be a finite number ≥ 0, got -1',
      'score weight packing must be a finite number ≥ 0, got NaN',
    ]);
  });
});

describe('OfferBook.place', () => {
  it('picks the best-scoring node and snapshots ask and client price', () => {
    const book = bookOf([
      node('a', { onDemandAskMicros: 2_500_000n }),
      node('b', { onDemandAskMicros: 1_900_000n }),
    ]);
    const placement = book.place(singleH100);
    expect(placement?.allocations).toEqual([
      expect.objectContaining({ nodeId: 'b', gpus: 1, askMicros: 1_900_000n, priceMicros: 2_090_000n }),
    ]);
  });

  it('breaks exact ties by node id, whatever the arrival order', () => {
    const nodes = [node('c'), node('a'), node('b')];
    expect(bookOf(nodes).place(singleH100)?.allocations[0].nodeId).toBe('a');
    expect(bookOf([...nodes].reverse()).place(singleH100)?.allocations[0].nodeId).toBe('a');
  });

  it('prices interruptible work from the interruptible ask', () => {
    const placement = bookOf([node('a')]).place({ ...singleH100, tier: 'interruptible' });
    expect(placement?.allocations[0].priceMicros).toBe(1_320_000n);
  });

  it('fills a partly used node before opening an idle one (packing), all else equal', () => {
    const book = bookOf([node('a'), node('b')]);
    book.reserve([{ nodeId: 'b', gpus: 6 }]);
    expect(book.place(singleH100)?.allocations[0].nodeId).toBe('b');
  });

  it('prefers an idle region to a busy one, unless the job prefers the busy one strongly enough', () => {
    const fleet = [
      node('busy-1', { region: 'eu-west' }),
      node('busy-2', { region: 'eu-west' }),
      node('busy-3', { region: 'eu-west' }),
      node('idle'),
    ];
    const eight = { ...singleH100, gpusPerNode: 8 };
    const preferWest = { ...eight, preferredRegions: ['eu-west'] };
    const withWeight = (preferredRegion: number) => {
      const book = bookOf(fleet, { ...DEFAULT_SCORE_WEIGHTS, preferredRegion });
      book.reserve([
        { nodeId: 'busy-1', gpus: 8 },
        { nodeId: 'busy-2', gpus: 8 },
      ]);
      return book;
    };
    // eu-west is 2/3 busy: a load penalty of 0.67 outweighs the default preference bonus of 0.5.
    expect(withWeight(0.5).place(eight)?.allocations[0].nodeId).toBe('idle');
    expect(withWeight(0.5).place(preferWest)?.allocations[0].nodeId).toBe('idle');
    expect(withWeight(2).place(preferWest)?.allocations[0].nodeId).toBe('busy-3');
  });

  it('places a gang inside one cluster, region, product and fabric, or not at all', () => {
    const book = bookOf([
      node('eu-1'),
      node('eu-2'),
      node('us-1', { region: 'us-east' }),
      node('other-cluster', { clusterId: 'edge-2' }),
    ]);
    const gang = { ...singleH100, gpusPerNode: 8, nodeCount: 2, interconnect: 'infiniband' as const };
    expect(book.place(gang)?.allocations.map((a) => a.nodeId)).toEqual(['eu-1', 'eu-2']);
    expect(book.place({ ...gang, nodeCount: 3 })).toBeUndefined();
  });

  it('routes to another network only where the job allows it, and never splits a gang across networks', () => {
    const onPeer = (id: string, networkId: string): NodeState =>
      node(id, { networkId, clusterId: 'external', supplierId: `network:${networkId}` });
    const book = bookOf([
      node('local-1'),
      onPeer('b-1', 'peer-b'),
      onPeer('b-2', 'peer-b'),
      onPeer('c-1', 'peer-c'),
    ]);
    const gang = { ...singleH100, gpusPerNode: 8, nodeCount: 2, interconnect: 'infiniband' as const };
    const placed = book.place(gang);
    expect(placed?.allocations.map((a) => [a.nodeId, a.networkId])).toEqual([
      ['b-1', 'peer-b'],
      ['b-2', 'peer-b'],
    ]);
    expect(book.place({ ...gang, networks: ['peer-b'] })?.allocations.map((a) => a.nodeId)).toEqual([
      'b-1',
      'b-2',
    ]);
    expect(book.place({ ...gang, networks: ['peer-c'] })).toBeUndefined();
    // One node on each of two networks that report the same cluster id would make the gang: it stays on one.
    const split = bookOf([onPeer('b-1', 'peer-b'), onPeer('c-1', 'peer-c')]);
    expect(split.place(gang)).toBeUndefined();
    expect(book.place({ ...gang, networks: 'local' })).toBeUndefined();
    expect(book.explain({ ...gang, networks: 'local' }).exclusions).toContainEqual({
      constraint: 'network',
      excludedNodes: 3,
      excludedGpus: 24,
    });
    expect(book.place({ ...singleH100, networks: 'local' })?.allocations[0].nodeId).toBe('local-1');
  });

  it.each<[string, number | undefined, bigint, 'placed' | 'over the cap']>([
    ["the market's take when the node names none", undefined, 2_200_000n, 'placed'],
    ["a network's own fee in place of the market's take", 2_500, 2_500_000n, 'placed'],
    ['a fee that lifts the price over the cap', 6_000, 3_200_000n, 'over the cap'],
  ])('prices capacity with %s', (_case, takeRateBps, clientPrice, outcome) => {
    const book = bookOf([node('b-1', { networkId: 'peer-b', takeRateBps })]);
    const job = { ...singleH100, maxPricePerGpuHourMicros: 3_000_000n };
    const placed = book.place(job);
    if (outcome === 'over the cap') {
      expect(placed).toBeUndefined();
      expect(book.explain(job).exclusions).toContainEqual(
        expect.objectContaining({ constraint: 'price-cap' }),
      );
      return;
    }
    expect(placed?.allocations[0]).toMatchObject({ askMicros: 2_000_000n, priceMicros: clientPrice });
  });

  it('explains a placement: the chosen node and the runner-up, term by term', () => {
    const book = bookOf([
      node('cheap', { onDemandAskMicros: 1_500_000n, region: 'eu-west' }),
      node('dear', { onDemandAskMicros: 2_500_000n }),
    ]);
    const job = { ...singleH100, preferredRegions: ['eu-north'] };
    const placement = book.place(job);
    expect(placement?.allocations[0].nodeId).toBe('cheap');
    const { chosen, runnerUp } = book.explainPlacement(job, placement as NonNullable<typeof placement>);
    expect(chosen).toMatchObject({ nodeId: 'cheap', region: 'eu-west', priceMicros: 1_650_000n });
    expect(runnerUp).toMatchObject({ nodeId: 'dear', region: 'eu-north', priceMicros: 2_750_000n });
    const [won, second] = [chosen.score, runnerUp?.score as typeof chosen.score];
    // Cheaper and so more performance per dollar; the runner-up had the preferred region.
    expect(won.price).toBeGreaterThan(second.price);
    expect(won.perfPerDollar).toBeGreaterThan(second.perfPerDollar);
    expect([won.preferredRegion, second.preferredRegion]).toEqual([0, DEFAULT_SCORE_WEIGHTS.preferredRegion]);
    expect(won.total).toBeGreaterThan(second.total);
    // Explaining changes nothing: the same job still lands on the same node.
    expect(book.place(job)?.allocations[0].nodeId).toBe('cheap');
    const alone = bookOf([node('only')]);
    const single = alone.place(singleH100);
    expect(alone.explainPlacement(singleH100, single as NonNullable<typeof single>).runnerUp).toBeUndefined();
  });

  it.each<[string, bigint, number, number, boolean, number, number]>([
    ['an H100 at 2.30, reliable, busy region', 2_300_000n, 1000, 9_990, false, 0.5, 0],
    ['a cheap card in the preferred, idle region, leaving 3 GPUs idle', 400_000n, 650, 9_200, true, 0, 3],
  ])(
    'breaks the score into terms that add up to it: %s',
    (_case, price, bench, rel, preferred, util, idle) => {
      const terms = scoreBreakdown(
        { clientPriceMicros: price, benchmarkScore: bench, reliabilityBps: rel },
        { preferred, utilization: util, idleGpusAfter: idle },
        DEFAULT_SCORE_WEIGHTS,
      );
      const whole =
        nodeScore(price, bench, rel, DEFAULT_SCORE_WEIGHTS) +
        regionScore(preferred, util, DEFAULT_SCORE_WEIGHTS) +
        packingScore(idle, DEFAULT_SCORE_WEIGHTS);
      expect(terms.total).toBeCloseTo(whole, 12);
      const { total, ...parts } = terms;
      expect(Object.values(parts).reduce((sum, term) => sum + term, 0)).toBeCloseTo(total, 12);
    },
  );

  it('skips nodes a failed job must avoid, and those under the reliability floor or over the price cap', () => {
    const book = bookOf([
      node('a', { onDemandAskMicros: 1_000_000n }),
      node('b', { reliabilityBps: 9_000, onDemandAskMicros: 1_100_000n }),
      node('c', { onDemandAskMicros: 4_000_000n }),
      node('d', { onDemandAskMicros: 2_000_000n }),
    ]);
    const job = {
      ...singleH100,
      excludedNodeIds: new Set(['a']),
      minReliabilityBps: 9_500,
      maxPricePerGpuHourMicros: 3_000_000n,
    };
    expect(book.place(job)?.allocations[0].nodeId).toBe('d');
  });

  it('takes reserved GPUs out and gives released ones back', () => {
    const book = bookOf([node('a')]);
    const eight = { ...singleH100, gpusPerNode: 8 };
    book.reserve([{ nodeId: 'a', gpus: 4 }]);
    expect(book.place(eight)).toBeUndefined();
    expect(book.place({ ...eight, gpusPerNode: 4 })).toBeDefined();
    book.release([{ nodeId: 'a', gpus: 4 }]);
    expect(book.place(eight)).toBeDefined();
  });

  it('keeps reservations across a new state of the node and stops selling a node that is no longer sellable', () => {
    const book = bookOf([node('a')]);
    book.reserve([{ nodeId: 'a', gpus: 8 }]);
    book.upsert(node('a', { onDemandAskMicros: 1_000_000n }));
    expect(book.get('a')?.gpusFree).toBe(0);
    book.setReserved('a', 0);
    book.upsert(node('a', { schedulable: false }));
    expect(book.place(singleH100)).toBeUndefined();
    book.remove('a');
    expect(book.size).toBe(0);
  });
});

describe('OfferBook.explain', () => {
  const book = bookOf([
    node('h100-cheap', { onDemandAskMicros: 3_000_000n }),
    node('h100-busy'),
    node('a100', { gpuProduct: A100 }),
    node('paused', { schedulable: false }),
  ]);
  book.reserve([{ nodeId: 'h100-busy', gpus: 8 }]);
  const capped = { ...singleH100, gpusPerNode: 8, maxPricePerGpuHourMicros: 3_000_000n };

  it('charges every node to one constraint and finds the cheapest near miss', () => {
    expect(book.place(capped)).toBeUndefined();
    const explanation = book.explain(capped);
    expect(explanation.exclusions).toEqual([
      { constraint: 'not-sellable', excludedNodes: 1, excludedGpus: 8 },
      { constraint: 'gpu-product', excludedNodes: 1, excludedGpus: 8 },
      { constraint: 'gpus-per-node', excludedNodes: 1, excludedGpus: 0 },
      { constraint: 'price-cap', excludedNodes: 1, excludedGpus: 8 },
    ]);
    expect(explanation.nearMiss).toEqual({ relax: 'gpu-product', priceMicros: 2_200_000n, nodeId: 'a100' });
    expect(explanation.code).toBe('MATCHING.NO_CAPACITY');
  });

  it('calls a job infeasible when no node would fit even idle', () => {
    const explanation = book.explain({ ...capped, gpuProducts: [RTX4090] });
    expect(explanation.code).toBe('MATCHING.INFEASIBLE');
    expect(explanation.exclusions.reduce((sum, e) => sum + e.excludedNodes, 0)).toBe(4);
  });

  it('charges nodes that fit one by one but cannot form the gang to gang-size', () => {
    const gang = { ...singleH100, gpusPerNode: 8, nodeCount: 2 };
    const small = bookOf([node('x'), node('y', { region: 'us-east' })]);
    expect(small.place(gang)).toBeUndefined();
    expect(small.explain(gang).exclusions).toEqual([
      { constraint: 'gang-size', excludedNodes: 2, excludedGpus: 16 },
    ]);
  });
});

// ---- Property-based tests: random fleets and job streams ----

const regions = ['eu-north', 'eu-west', 'us-east'];
const products = [H100, A100, RTX4090];
const nodeArbitrary = fc.record({
  clusterId: fc.constantFrom('local', 'edge-2'),
  region: fc.constantFrom(...regions),
  gpuProduct: fc.constantFrom(...products),
  interconnect: fc.constantFrom('nvlink', 'infiniband', 'pcie' as const),
  allocatableGpus: fc.constantFrom(1, 2, 4, 8),
  schedulable: fc.integer({ min: 0, max: 9 }).map((draw) => draw !== 0),
  verification: fc.constantFrom('verified', 'unverified' as const),
  reliabilityBps: fc.integer({ min: 8_000, max: 10_000 }),
  benchmarkScore: fc.option(fc.integer({ min: 100, max: 3000 }), { nil: undefined }),
  onDemandAskMicros: fc.bigInt({ min: 100_000n, max: 4_000_000n }),
  interruptibleShare: fc.option(fc.integer({ min: 30, max: 100 }), { nil: undefined }),
});
const fleetArbitrary = fc.array(nodeArbitrary, { minLength: 1, maxLength: 40 }).map((nodes) =>
  nodes.map(({ interruptibleShare, ...n }, i) =>
    node(`n${String(i).padStart(3, '0')}`, {
      ...n,
      supplierId: `s${i % 5}`,
      gpuMemoryMiB: n.gpuProduct === RTX4090 ? 24_564 : 81_559,
      interruptibleAskMicros:
        interruptibleShare === undefined
          ? undefined
          : (n.onDemandAskMicros * BigInt(interruptibleShare)) / 100n,
    }),
  ),
);
const jobArbitrary: fc.Arbitrary<PlacementRequest> = fc.record(
  {
    gpusPerNode: fc.constantFrom(1, 2, 4, 8),
    nodeCount: fc.constantFrom(1, 1, 1, 2, 3),
    gpuProducts: fc.option(fc.subarray(products, { minLength: 1 }), { nil: undefined }),
    minGpuMemoryMiB: fc.constantFrom(16_000, 40_000),
    interconnect: fc.option(fc.constantFrom('nvlink', 'infiniband', 'pcie' as const), { nil: undefined }),
    regions: fc.option(fc.subarray(regions, { minLength: 1 }), { nil: undefined }),
    preferredRegions: fc.option(fc.subarray(regions, { minLength: 1 }), { nil: undefined }),
    maxPricePerGpuHourMicros: fc.bigInt({ min: 200_000n, max: 5_000_000n }),
    minReliabilityBps: fc.option(fc.integer({ min: 8_000, max: 10_000 }), { nil: undefined }),
    verifiedOnly: fc.boolean(),
    tier: fc.constantFrom('on-demand', 'interruptible' as const),
  },
  { requiredKeys: ['gpusPerNode', 'nodeCount', 'maxPricePerGpuHourMicros', 'tier'] },
);
type Step = { kind: 'place'; job: PlacementRequest } | { kind: 'release'; pick: number };
const stepsArbitrary = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: jobArbitrary.map((job): Step => ({ kind: 'place', job })) },
    { weight: 1, arbitrary: fc.nat().map((pick): Step => ({ kind: 'release', pick })) },
  ),
  { minLength: 1, maxLength: 60 },
);

describe('OfferBook invariants (property-based)', () => {
  it('never over-allocates, places gangs whole and co-located, agrees with a linear scan, and explains every miss', () => {
    fc.assert(
      fc.property(fleetArbitrary, stepsArbitrary, (fleet, steps) => {
        const book = bookOf(fleet);
        const active: Array<Array<{ nodeId: string; gpus: number }>> = [];
        for (const step of steps) {
          if (step.kind === 'release') {
            if (active.length === 0) continue;
            book.release(active.splice(step.pick % active.length, 1)[0]);
            continue;
          }
          const { job } = step;
          const placement = book.place(job);
          expect(placement).toEqual(placeByLinearScan(book, job));
          if (placement) {
            const { allocations } = placement;
            expect(allocations).toHaveLength(job.nodeCount);
            expect(new Set(allocations.map((a) => a.nodeId)).size).toBe(job.nodeCount);
            expect(new Set(allocations.map((a) => `${a.clusterId}/${a.region}/${a.gpuProduct}`)).size).toBe(
              1,
            );
            for (const allocation of allocations) {
              expect(allocation.gpus).toBe(job.gpusPerNode);
              expect(allocation.priceMicros).toBeLessThanOrEqual(job.maxPricePerGpuHourMicros);
            }
            book.reserve(allocations);
            active.push(allocations);
          } else {
            const explanation = book.explain(job);
            const charged = explanation.exclusions.reduce((sum, e) => sum + e.excludedNodes, 0);
            expect(charged).toBe(book.size);
          }
          for (const n of book.nodes()) {
            expect(n.reservedGpus).toBeLessThanOrEqual(n.allocatableGpus);
          }
        }
        for (const allocations of active) book.release(allocations);
        for (const n of book.nodes()) expect(n.gpusFree).toBe(n.allocatableGpus);
        // Released capacity is reusable: every job that fits an empty book fits again after the releases.
        const fresh = bookOf(fleet);
        for (const step of steps) {
          if (step.kind === 'place') expect(book.place(step.job)).toEqual(fresh.place(step.job));
        }
      }),
      { numRuns: 150, seed: 20261128 },
    );
  });
});
