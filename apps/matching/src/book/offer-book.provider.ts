import { Provider } from '@nestjs/common';
import { SERVICE_CONFIG } from '@gridex/runtime';
import { MatchingConfig } from '../config/matching.config';
import { OfferBook } from '../domain/offer-book';
import { ScoreWeights } from '../domain/scoring';

export function scoreWeightsFrom(config: MatchingConfig): ScoreWeights {
  return {
    price: config.MATCHING_WEIGHT_PRICE,
    perfPerDollar: config.MATCHING_WEIGHT_PERF_PER_DOLLAR,
    reliability: config.MATCHING_WEIGHT_RELIABILITY,
    preferredRegion: config.MATCHING_WEIGHT_PREFERRED_REGION,
    loadSpread: config.MATCHING_WEIGHT_LOAD_SPREAD,
    packing: config.MATCHING_WEIGHT_PACKING,
  };
}

/** The process's one offer book, with the weights and take rate from configuration. */
export const OfferBookProvider: Provider = {
  provide: OfferBook,
  inject: [SERVICE_CONFIG],
  useFactory: (config: MatchingConfig) =>
    new OfferBook({ weights: scoreWeightsFrom(config), takeRateBps: config.MATCHING_TAKE_RATE_BPS }),
};
