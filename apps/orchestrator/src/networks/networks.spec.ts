import { NetworkOffersObservedPayloadSchema } from '@gridex/contracts';
import { NetworkAdapter, NetworkOffer, NetworkRegistry, parseNetworks } from '@gridex/networks';
import { offersObservation } from './networks';

const offer = (offerId: string, micros: string): NetworkOffer => ({
  offerId,
  region: 'eu-north',
  gpuProduct: 'NVIDIA-H100-80GB-HBM3',
  gpuMemoryMiB: 81_920,
  gpusPerNode: 8,
  nodes: 1,
  interconnect: 'nvlink',
  pricePerGpuHourMicros: micros,
  reliabilityBps: 9_900,
});

/** A network that answers its offers, or fails every call. */
function network(offers: NetworkOffer[], failing = false): NetworkAdapter {
  const answer = <T>(value: T) =>
    failing ? Promise.reject(new Error('connection refused')) : Promise.resolve(value);
  return {
    kind: 'gridex',
    discover: () => answer(offers),
    quote: () => answer({ feasible: false, reasons: [] }),
    place: () => answer({ externalJobId: 'x', status: 'queued' as const }),
    status: () => answer({ externalJobId: 'x', status: 'running' as const }),
    cancel: () => answer(undefined),
    usage: () => answer({ gpuSeconds: 0, chargedMicros: '0' }),
  };
}

const configs = parseNetworks(
  JSON.stringify(
    ['up', 'down'].map((id) => ({
      id,
      kind: 'gridex',
      baseUrl: 'http://127.0.0.1:1',
      apiKey: 'k'.repeat(10),
      feeBps: 700,
      trust: 'trusted',
      failureThreshold: 1,
    })),
  ),
);

describe('what inventory is told of a network', () => {
  const now = new Date('2026-12-07T10:00:00.000Z');
  const registry = new NetworkRegistry(
    [
      { config: configs[0], adapter: network([offer('b', '2500000'), offer('a', '2000000')]) },
      { config: configs[1], adapter: network([offer('c', '1000000')], true) },
    ],
    () => now.getTime(),
  );

  beforeAll(() => registry.refreshOffers());

  it.each<[string, string, Record<string, unknown>]>([
    [
      'a network that answered: its offers, cheapest first, in US dollars, with its fee and trust',
      'up',
      {
        routable: true,
        trust: 'trusted',
        feeBps: 700,
        offers: [
          expect.objectContaining({ offerId: 'a', pricePerGpuHour: { currency: 'USD', micros: '2000000' } }),
          expect.objectContaining({ offerId: 'b', pricePerGpuHour: { currency: 'USD', micros: '2500000' } }),
        ],
      },
    ],
    ['a network whose breaker opened: not routable, no offers', 'down', { routable: false, offers: [] }],
  ])('%s', (_case, networkId, expected) => {
    const observation = offersObservation(registry, networkId, now);
    expect(NetworkOffersObservedPayloadSchema.parse(observation)).toEqual(observation);
    expect(observation).toMatchObject({
      networkId,
      observedAt: now.toISOString(),
      // Valid for the network's offersMaxAgeSeconds (default 60).
      validUntil: new Date(now.getTime() + 60_000).toISOString(),
      ...expected,
    });
  });
});
