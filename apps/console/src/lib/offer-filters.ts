import type { QueryOf } from '@gridex/sdk';

/** The offer search form, as typed. */
export interface OfferFilters {
  gpuProduct: string;
  minGpuMemoryGb: string;
  region: string;
  maxPricePerGpuHour: string;
  minReliability: string;
  verifiedOnly: boolean;
  sort: 'price' | 'perf-per-dollar' | 'reliability';
}

export const NO_FILTERS: OfferFilters = {
  gpuProduct: '',
  minGpuMemoryGb: '',
  region: '',
  maxPricePerGpuHour: '',
  minReliability: '',
  verifiedOnly: false,
  sort: 'price',
};

/**
 * The `GET /v1/offers` query for the filters: only what is set goes out; reliability is typed as a percentage
 * (what people read) and sent as the API's fraction.
 */
export function offerQuery(filters: OfferFilters, limit = 50): QueryOf<'searchOffers'> {
  const query: QueryOf<'searchOffers'> = { sort: filters.sort, limit };
  if (filters.gpuProduct.trim()) query.gpuProduct = filters.gpuProduct.trim();
  if (filters.region.trim()) query.region = filters.region.trim();
  if (filters.minGpuMemoryGb.trim()) query.minGpuMemoryGb = Number(filters.minGpuMemoryGb);
  if (filters.maxPricePerGpuHour.trim()) query.maxPricePerGpuHour = filters.maxPricePerGpuHour.trim();
  if (filters.minReliability.trim()) query.minReliability = Number(filters.minReliability) / 100;
  if (filters.verifiedOnly) query.verifiedOnly = 'true';
  return query;
}
