import { NO_FILTERS, offerQuery } from './offer-filters';

describe('the offer search query', () => {
  it.each([
    ['nothing set: sorted by price', {}, { sort: 'price', limit: 50 }],
    [
      'every filter',
      {
        gpuProduct: ' NVIDIA-H100-80GB-HBM3 ',
        minGpuMemoryGb: '80',
        region: 'eu-west',
        maxPricePerGpuHour: '3.00',
        minReliability: '99.5',
        verifiedOnly: true,
        sort: 'reliability' as const,
      },
      {
        sort: 'reliability',
        limit: 50,
        gpuProduct: 'NVIDIA-H100-80GB-HBM3',
        minGpuMemoryGb: 80,
        region: 'eu-west',
        maxPricePerGpuHour: '3.00',
        minReliability: 0.995,
        verifiedOnly: 'true',
      },
    ],
    ['blank text is not a filter', { region: '  ', gpuProduct: '' }, { sort: 'price', limit: 50 }],
  ])('%s', (_case, filters, query) => {
    expect(offerQuery({ ...NO_FILTERS, ...filters })).toEqual(query);
  });
});
