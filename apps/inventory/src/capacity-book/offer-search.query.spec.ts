import { decodeCursor, encodeCursor, OfferSearchQuerySchema, offerSearchSql } from './offer-search.query';

describe('offer search query', () => {
  it('parses filters, with defaults', () => {
    expect(
      OfferSearchQuerySchema.parse({
        gpuProduct: 'NVIDIA-H100-80GB-HBM3,NVIDIA-A100-SXM4-80GB',
        verifiedOnly: 'true',
        minGpusPerNode: '8',
      }),
    ).toEqual({
      gpuProduct: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-80GB'],
      verifiedOnly: true,
      minGpusPerNode: 8,
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
  ])('refuses %s, naming it', (_name, query, field) => {
    const result = OfferSearchQuerySchema.safeParse(query);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(field);
  });

  it.each([
    ['price', 'price_micros::double precision'],
    ['perf-per-dollar', '-coalesce(perf_per_price, 0)'],
    ['reliability', '-reliability_bps::double precision'],
  ] as const)('orders by %s with node id as tie-breaker, asking one row more than the page', (sort, key) => {
    const { text, values } = offerSearchSql(
      '"inventory"."capacity_book"',
      OfferSearchQuerySchema.parse({ sort, limit: '10' }),
    );
    expect(text).toContain(`ORDER BY ${key}, node_id LIMIT $1`);
    expect(values).toEqual([11]);
  });

  it('continues after the cursor', () => {
    const cursor = { value: 2_100_000, nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b' };
    const { text, values } = offerSearchSql(
      't',
      OfferSearchQuerySchema.parse({ region: 'eu-north' }),
      cursor,
    );
    expect(text).toContain('region = ANY($1)');
    expect(text).toContain('(price_micros::double precision, node_id) > ($2::double precision, $3::uuid)');
    expect(values).toEqual([['eu-north'], 2_100_000, cursor.nodeId, 51]);
  });

  it.each([
    [
      'round-trips',
      encodeCursor({ value: -412.5, nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b' }),
      { value: -412.5, nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b' },
    ],
    ['rejects garbage', 'not-a-cursor', undefined],
    ['rejects a forged node id', Buffer.from('[1,"x; DROP TABLE"]').toString('base64url'), undefined],
  ])('cursor %s', (_name, text, expected) => {
    expect(decodeCursor(text)).toEqual(expected);
  });
});
