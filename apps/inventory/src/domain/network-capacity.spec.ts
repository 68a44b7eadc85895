import { NetworkOffersObservedPayload } from '@gridex/contracts';
import { networkCapacityChanges, PublishedNetworkNode } from './network-capacity';

const H100 = 'NVIDIA-H100-80GB-HBM3';

function observation(patch: Partial<NetworkOffersObservedPayload> = {}): NetworkOffersObservedPayload {
  return {
    networkId: 'peer-b',
    observedAt: '2026-12-07T10:00:00.000Z',
    validUntil: '2026-12-07T10:01:00.000Z',
    routable: true,
    trust: 'trusted',
    feeBps: 1000,
    offers: [
      {
        offerId: 'b/h100-1',
        region: 'eu-north',
        gpuProduct: H100,
        gpuMemoryMiB: 81_920,
        gpusPerNode: 8,
        nodes: 2,
        interconnect: 'nvlink',
        pricePerGpuHour: { currency: 'USD', micros: '2000000' },
        reliabilityBasisPoints: 9_900,
      },
    ],
    ...patch,
  };
}

/** The nodes as inventory would hold them after publishing `changes`. */
function published(changes: ReturnType<typeof networkCapacityChanges>): PublishedNetworkNode[] {
  return changes.map((state) => ({ nodeId: state.nodeId, state }));
}

describe('another network’s offers as capacity', () => {
  it('sells each free node of an offer at the network’s price, with its fee as the take', () => {
    const changes = networkCapacityChanges(observation(), []);
    expect(changes.map((c) => c.nodeName)).toEqual(['b/h100-1#0', 'b/h100-1#1']);
    expect(changes[0]).toMatchObject({
      clusterId: 'network:peer-b',
      supplierId: 'network:peer-b',
      supplierKind: 'network',
      networkId: 'peer-b',
      revision: 1,
      gpus: 8,
      allocatableGpus: 8,
      schedulable: true,
      verification: 'verified',
      reliabilityBasisPoints: 9_900,
      pricePerGpuHour: { currency: 'USD', micros: '2000000' },
      takeRateBps: 1000,
    });
    expect(changes[0].interruptiblePricePerGpuHour).toBeUndefined();
  });

  it.each<[string, Partial<NetworkOffersObservedPayload>, Array<[number, boolean, number]>]>([
    ['nothing changed: nothing published', {}, []],
    [
      'the price moved: both nodes again, one revision up',
      {
        offers: [{ ...observation().offers[0], pricePerGpuHour: { currency: 'USD', micros: '2100000' } }],
      },
      [
        [2, true, 8],
        [2, true, 8],
      ],
    ],
    [
      'one node fewer: the one still offered is unchanged, the other is removed',
      { offers: [{ ...observation().offers[0], nodes: 1, offerId: 'b/h100-1#0' }] },
      [[2, false, 0]],
    ],
    [
      'the network is not routable: every node removed',
      { routable: false },
      [
        [2, false, 0],
        [2, false, 0],
      ],
    ],
  ])('%s', (_case, patch, expected) => {
    const before = published(networkCapacityChanges(observation(), []));
    const changes = networkCapacityChanges(observation(patch), before);
    expect(changes.map((c) => [c.revision, c.schedulable, c.allocatableGpus])).toEqual(expected);
  });

  it('publishes a removed node once, and sells it again as a new revision when it comes back', () => {
    const first = published(networkCapacityChanges(observation(), []));
    const gone = networkCapacityChanges(observation({ offers: [] }), first);
    expect(gone.every((c) => c.removed)).toBe(true);
    expect(networkCapacityChanges(observation({ offers: [] }), published(gone))).toEqual([]);
    const back = networkCapacityChanges(observation(), published(gone));
    expect(back.map((c) => [c.revision, c.removed])).toEqual([
      [3, false],
      [3, false],
    ]);
  });

  it('counts probation capacity as unverified', () => {
    const [node] = networkCapacityChanges(observation({ trust: 'probation' }), []);
    expect(node.verification).toBe('unverified');
  });
});
