import { Job } from '@gridex/sdk';
import { ExternalJobSchema, NetworkOfferSchema } from '../network-adapter';
import { externalJobOf, jobSpecOf, PeerOffer, peerOffers } from './gridex-peer.adapter';

const node = (over: Partial<PeerOffer> = {}): PeerOffer => ({
  cluster: 'local',
  node: 'dc-h100-0',
  region: 'eu-north',
  gpuProduct: 'NVIDIA-H100-80GB-HBM3',
  gpuMemoryGb: 80,
  freeGpus: 8,
  interconnect: 'nvlink',
  reliability: 0.995,
  pricePerGpuHour: '2.10',
  ...over,
});

describe('the Gridex peer adapter: a peer exchange in the port’s terms', () => {
  it.each<[string, PeerOffer, boolean]>([
    ['a node with free GPUs and a price is an offer', node(), true],
    ['a full node is not', node({ freeGpus: 0 }), false],
    ['an unpriced node is not', node({ pricePerGpuHour: null }), false],
  ])('%s', (_name, item, offered) => {
    const offers = peerOffers([item]);
    expect(offers).toHaveLength(offered ? 1 : 0);
    for (const offer of offers) {
      expect(NetworkOfferSchema.parse(offer)).toEqual({
        offerId: 'local/dc-h100-0',
        region: 'eu-north',
        gpuProduct: 'NVIDIA-H100-80GB-HBM3',
        gpuMemoryMiB: 81_920,
        gpusPerNode: 8,
        nodes: 1,
        interconnect: 'nvlink',
        pricePerGpuHourMicros: '2100000',
        reliabilityBps: 9950,
      });
    }
  });

  it.each<[string, string, string]>([
    ['a whole price', '2.415', '2415000'],
    ['a price to the micro-unit', '2.169930', '2169930'],
  ])(
    'prices an offer at what the peer charges its clients (its search shows it): %s',
    (_name, price, micros) => {
      expect(peerOffers([node({ pricePerGpuHour: price })])[0].pricePerGpuHourMicros).toBe(micros);
    },
  );

  it('reads start and end as the peer meters them, not the timeline’s event times', () => {
    const job: Job = {
      id: 'job-9',
      name: null,
      status: 'succeeded',
      reason: null,
      pricePerGpuHour: '2.42',
      allocation: null,
      explanation: null,
      submittedAt: '2026-12-03T10:00:00.000Z',
      // The workload ran 300.2 s (301 billable seconds); the events reporting it were stamped later.
      startedAt: '2026-12-03T10:00:01.900Z',
      finishedAt: '2026-12-03T10:05:02.100Z',
      timeline: [
        { at: '2026-12-03T10:00:00.000Z', event: 'submitted' },
        { at: '2026-12-03T10:00:01.000Z', event: 'matched' },
        { at: '2026-12-03T10:00:02.300Z', event: 'running' },
        { at: '2026-12-03T10:05:02.400Z', event: 'succeeded' },
      ],
    };
    expect(ExternalJobSchema.parse(externalJobOf(job))).toEqual({
      externalJobId: 'job-9',
      status: 'succeeded',
      startedAt: '2026-12-03T10:00:01.900Z',
      finishedAt: '2026-12-03T10:05:02.100Z',
    });
  });

  it('submits the job as the peer’s public API takes it', () => {
    expect(
      jobSpecOf({
        name: 'train',
        image: 'registry.gridex.io/t:1',
        command: ['train'],
        spec: {
          gpusPerNode: 8,
          nodeCount: 2,
          gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
          minGpuMemoryMiB: 81_920,
          interconnect: 'nvlink',
          maxPricePerGpuHour: { currency: 'USD', micros: '3500000' },
          expectedDurationSeconds: 600,
          tier: 'on-demand',
        },
      }),
    ).toEqual({
      name: 'train',
      image: 'registry.gridex.io/t:1',
      command: ['train'],
      gpusPerNode: 8,
      nodes: 2,
      gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
      minGpuMemoryGb: 80,
      interconnect: 'nvlink',
      maxPricePerGpuHour: '3.50',
      expectedDurationSeconds: 600,
      interruptible: false,
    });
  });
});
