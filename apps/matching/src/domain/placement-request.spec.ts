import { PlacementSpec } from '@gridex/contracts';
import { Explanation } from './offer-book';
import { noFit, placementRequestFor } from './placement-request';

const spec: PlacementSpec = {
  gpusPerNode: 8,
  nodeCount: 2,
  gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
  maxPricePerGpuHour: { currency: 'USD', micros: '3000000' },
  expectedDurationSeconds: 600,
  tier: 'on-demand',
  minReliabilityBasisPoints: 9_500,
};

describe('placementRequestFor', () => {
  it.each<[string, readonly string[], Set<string> | undefined]>([
    ['no failed nodes: nothing excluded', [], undefined],
    ['failed nodes are excluded', ['n-1', 'n-2'], new Set(['n-1', 'n-2'])],
  ])('%s', (_name, excluded, expected) => {
    const request = placementRequestFor(spec, excluded);
    expect(request.excludedNodeIds).toEqual(expected);
    expect(request).toMatchObject({
      gpusPerNode: 8,
      nodeCount: 2,
      maxPricePerGpuHourMicros: 3_000_000n,
      minReliabilityBps: 9_500,
      tier: 'on-demand',
    });
  });
});

describe('noFit', () => {
  const base: Explanation = {
    code: 'MATCHING.NO_CAPACITY',
    exclusions: [
      { constraint: 'gpu-product', excludedNodes: 3, excludedGpus: 24 },
    ] as Explanation['exclusions'],
    nodesConsidered: 3,
  };

  it.each<[string, Explanation, ReturnType<typeof noFit>['nearMiss']]>([
    ['no near miss', base, undefined],
    [
      'a near miss with its price, in the market currency',
      { ...base, nearMiss: { relax: 'price-cap', nodeId: 'n-1', priceMicros: 4_100_000n } },
      { relax: 'price-cap', nodeId: 'n-1', pricePerGpuHour: { currency: 'USD', micros: '4100000' } },
    ],
    [
      'a near miss without a price',
      { ...base, nearMiss: { relax: 'region', nodeId: 'n-2' } },
      { relax: 'region', nodeId: 'n-2', pricePerGpuHour: undefined },
    ],
  ])('%s', (_name, explanation, nearMiss) => {
    expect(noFit(explanation, 'USD')).toEqual({
      code: 'MATCHING.NO_CAPACITY',
      exclusions: base.exclusions,
      nearMiss,
      nodesConsidered: 3,
    });
  });
});
