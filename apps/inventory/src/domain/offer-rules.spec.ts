import { askFor, isSellable, OfferContext, offerProblems, OfferTerms } from './offer-rules';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const context: OfferContext = {
  currency: 'USD',
  maxPricePerGpuHourMicros: 100_000_000n,
  poolOwners: new Map([
    ['h100-sxm', new Set(['nordic-dc', 'atlantic-dc'])],
    ['a6000', new Set(['atlantic-dc'])],
  ]),
  poolNodes: new Map([
    ['nordic-dc/h100-sxm', new Set(['nordic-dc-h100-sxm-0000', 'nordic-dc-h100-sxm-0001'])],
  ]),
};
const offer: OfferTerms = {
  supplierId: 'nordic-dc',
  pool: 'h100-sxm',
  currency: 'USD',
  pricePerGpuHourMicros: 2_100_000n,
  interruptiblePricePerGpuHourMicros: 1_300_000n,
  minLeaseSeconds: 60,
  maxLeaseSeconds: 86_400,
  validFrom: T0,
  validUntil: T0 + 30 * 86_400_000,
  nodeOverrides: [{ nodeName: 'nordic-dc-h100-sxm-0001', pricePerGpuHourMicros: 2_300_000n }],
};

describe('offerProblems', () => {
  it('accepts a sound offer', () => {
    expect(offerProblems(offer, context)).toEqual([]);
  });

  it.each<[string, Partial<OfferTerms>, string, string]>([
    ['a negative price', { pricePerGpuHourMicros: -1n }, 'INVENTORY.INVALID_PRICE', 'pricePerGpuHour'],
    ['a zero price', { pricePerGpuHourMicros: 0n }, 'INVENTORY.INVALID_PRICE', 'pricePerGpuHour'],
    [
      'an absurd price ($1,000/GPU-hour)',
      { pricePerGpuHourMicros: 1_000_000_000n },
      'INVENTORY.INVALID_PRICE',
      'pricePerGpuHour',
    ],
    [
      'interruptible dearer than on-demand',
      { interruptiblePricePerGpuHourMicros: 2_200_000n },
      'INVENTORY.INVALID_PRICE',
      'interruptiblePricePerGpuHour',
    ],
    ['another currency', { currency: 'EUR' }, 'INVENTORY.UNSUPPORTED_CURRENCY', 'currency'],
    ['a zero minimum lease', { minLeaseSeconds: 0 }, 'INVENTORY.INVALID_LEASE', 'minLeaseSeconds'],
    [
      'a maximum lease below the minimum',
      { maxLeaseSeconds: 30 },
      'INVENTORY.INVALID_LEASE',
      'maxLeaseSeconds',
    ],
    ['validity ending before it starts', { validUntil: T0 - 1 }, 'INVENTORY.INVALID_VALIDITY', 'validUntil'],
    ['an unknown pool', { pool: 'tpu-v5' }, 'INVENTORY.UNKNOWN_POOL', 'pool'],
    ["another supplier's pool", { pool: 'a6000' }, 'INVENTORY.FOREIGN_POOL', 'pool'],
    [
      'an override for a node outside the pool',
      { nodeOverrides: [{ nodeName: 'home-001-rtx4090-0000', pricePerGpuHourMicros: 1n }] },
      'INVENTORY.UNKNOWN_NODE',
      'nodeOverrides[0].nodeName',
    ],
    [
      'a negative override',
      { nodeOverrides: [{ nodeName: 'nordic-dc-h100-sxm-0000', pricePerGpuHourMicros: -5n }] },
      'INVENTORY.INVALID_PRICE',
      'nodeOverrides[0].pricePerGpuHour',
    ],
  ])('rejects %s', (_name, patch, code, field) => {
    expect(offerProblems({ ...offer, ...patch }, context)).toEqual([
      expect.objectContaining({ code, field }),
    ]);
  });

  it('reports every problem at once', () => {
    const problems = offerProblems(
      { ...offer, currency: 'EUR', pricePerGpuHourMicros: -1n, minLeaseSeconds: 0 },
      context,
    );
    expect(problems.map((p) => p.code)).toEqual([
      'INVENTORY.UNSUPPORTED_CURRENCY',
      'INVENTORY.INVALID_PRICE',
      'INVENTORY.INVALID_LEASE',
    ]);
  });
});

describe('askFor', () => {
  it.each<[string, string, 'on-demand' | 'interruptible', number, bigint | undefined]>([
    ['the pool price', 'nordic-dc-h100-sxm-0000', 'on-demand', T0 + 1, 2_100_000n],
    ['a node override', 'nordic-dc-h100-sxm-0001', 'on-demand', T0 + 1, 2_300_000n],
    ['the interruptible price', 'nordic-dc-h100-sxm-0001', 'interruptible', T0 + 1, 1_300_000n],
    ['nothing before the offer starts', 'nordic-dc-h100-sxm-0000', 'on-demand', T0 - 1, undefined],
    ['nothing once it has ended', 'nordic-dc-h100-sxm-0000', 'on-demand', T0 + 30 * 86_400_000, undefined],
  ])('%s', (_name, node, tier, at, expected) => {
    expect(askFor(offer, node, tier, at)).toBe(expected);
  });

  it('offers no interruptible price when the supplier set none', () => {
    expect(
      askFor({ ...offer, interruptiblePricePerGpuHourMicros: undefined }, 'x', 'interruptible', T0 + 1),
    ).toBeUndefined();
  });
});

describe('isSellable', () => {
  const sellable = {
    ready: true,
    allocatableGpus: 8,
    poolPaused: false,
    verification: 'verified' as const,
    offerInForce: true,
  };
  it.each([
    ['a ready, verified node with an offer', {}, true],
    [
      'an unverified node (verified-only clients filter it, others may buy)',
      { verification: 'unverified' as const },
      true,
    ],
    ['a node that failed verification', { verification: 'failed' as const }, false],
    ['a node that is not ready', { ready: false }, false],
    ['a node in a paused pool', { poolPaused: true }, false],
    ['a node without an offer in force', { offerInForce: false }, false],
    ['a node with no GPU left', { allocatableGpus: 0 }, false],
  ])('%s → %s', (_name, patch, expected) => {
    expect(isSellable({ ...sellable, ...patch })).toBe(expected);
  });
});
