import { decodeOfferCursor, encodeOfferCursor, OfferQuerySchema } from './offer-query';

describe('offer search query', () => {
  it('parses filters, with defaults', () => {
    expect(
      OfferQuerySchema.parse({
        gpuProduct: 'NVIDIA-H100-80GB-HBM3,NVIDIA-A100-SXM4-80GB',
        verifiedOnly: 'true',
        minGpusPerNode: '8',
      }),
    ).toEqual({
      gpuProduct: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-80GB'],
      verifiedOnly: true,
      minGpusPerNode: 8,
      minFreeGpus: 1,
      sort: 'price',
      limit: 50,
    });
  });

  it.each([
    ['an unknown parameter', { gpu: 'H100' }, /gpu/],
    ['a negative price cap', { maxPricePerGpuHourMicros: '-1' }, /maxPricePerGpuHourMicros/],
    ['an unknown interconnect', { interconnect: 'ethernet' }, /interconnect/],
    ['an unknown sort', { sort: 'cheapest' }, /sort/],
    ['a page too large', { limit: '5000' }, /limit/],
    ['reliability above 100 %', { minReliabilityBps: '10001' }, /minReliabilityBps/],
    ['more free GPUs than a node has', { minFreeGpus: '65' }, /minFreeGpus/],
  ])('refuses %s, naming it', (_name, query, field) => {
    const result = OfferQuerySchema.safeParse(query);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(field);
  });

  it.each([
    [
      'round-trips',
      encodeOfferCursor({ value: -412.5, nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b' }),
      { value: -412.5, nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b' },
    ],
    ['rejects garbage', 'not-a-cursor', undefined],
    ['rejects a forged node id', Buffer.from('[1,"x; DROP TABLE"]').toString('base64url'), undefined],
    [
      'rejects a value that is not a number',
      Buffer.from('[null,"5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b"]').toString('base64url'),
      undefined,
    ],
  ])('cursor %s', (_name, text, expected) => {
    expect(decodeOfferCursor(text)).toEqual(expected);
  });
});
