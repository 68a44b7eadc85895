import { NodeState, OfferBook, PlacementRequest } from './offer-book';
import { planPreemption, PreemptibleReservation } from './preemption';
import { DEFAULT_SCORE_WEIGHTS } from './scoring';

const H100 = 'NVIDIA-H100-80GB-HBM3';
const state = (nodeId: string, patch: Partial<NodeState> = {}): NodeState => ({
  nodeId,
  nodeName: nodeId,
  clusterId: 'local',
  region: 'eu-north',
  supplierId: 'dc',
  gpuProduct: H100,
  gpuMemoryMiB: 81_559,
  interconnect: 'infiniband',
  allocatableGpus: 8,
  schedulable: true,
  verification: 'verified',
  reliabilityBps: 9_990,
  onDemandAskMicros: 2_000_000n,
  interruptibleAskMicros: 1_000_000n,
  ...patch,
});
const victim = (
  reservationId: string,
  nodeId: string,
  gpus: number,
  priceMicros: bigint,
): PreemptibleReservation => ({
  reservationId,
  jobId: `job-${reservationId}`,
  allocations: [{ nodeId, gpus, priceMicros }],
});
const onDemand8: PlacementRequest = {
  gpusPerNode: 8,
  nodeCount: 1,
  gpuProducts: [H100],
  maxPricePerGpuHourMicros: 5_000_000n,
  tier: 'on-demand',
};

function busyBook(victims: PreemptibleReservation[], nodes = [state('a'), state('b')]): OfferBook {
  const book = new OfferBook({ weights: DEFAULT_SCORE_WEIGHTS, takeRateBps: 1_000 });
  for (const n of nodes) book.upsert(n);
  for (const v of victims) book.reserve(v.allocations);
  return book;
}

describe('planPreemption', () => {
  it.each<[string, PreemptibleReservation[], PlacementRequest, string[] | undefined]>([
    [
      'takes the cheapest work that frees enough, and only that',
      [victim('a-cheap', 'a', 8, 1_100_000n), victim('b-dear', 'b', 8, 1_300_000n)],
      onDemand8,
      ['a-cheap'],
    ],
    [
      'fewest victims: one 8-GPU job rather than two cheaper 4-GPU ones when those alone do not free a node',
      [
        victim('a1', 'a', 4, 1_000_000n),
        victim('b1', 'b', 4, 1_000_000n),
        victim('a2', 'a', 4, 5_000_000n),
        victim('b2', 'b', 4, 5_000_000n),
      ],
      onDemand8,
      ['a1', 'a2'],
    ],
    [
      'interruptible work never preempts',
      [victim('a', 'a', 8, 1n), victim('b', 'b', 8, 1n)],
      { ...onDemand8, tier: 'interruptible' },
      undefined,
    ],
    [
      'work on nodes the job cannot use is left alone',
      [victim('a', 'a', 8, 1n), victim('b', 'b', 8, 1n)],
      { ...onDemand8, regions: ['us-east'] },
      undefined,
    ],
  ])('%s', (_name, victims, job, expected) => {
    const book = busyBook(victims);
    const before = [...book.nodes()].map((n) => [n.nodeId, n.reservedGpus]);
    const plan = planPreemption(book, job, victims);
    expect(plan?.victims.map((v) => v.reservationId).sort()).toEqual(expected);
    expect([...book.nodes()].map((n) => [n.nodeId, n.reservedGpus])).toEqual(before);
    if (plan) {
      book.release(plan.victims.flatMap((v) => v.allocations));
      expect(book.place(job)).toEqual(plan.placement);
    }
  });
});
