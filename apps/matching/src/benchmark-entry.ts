/**
 * What benchmarks may use of matching (`bench/matching`): the pure routing engine, its linear-scan twin and the
 * scoring weights. Nothing else of the app is public.
 */
export { placeByLinearScan } from './domain/naive-placement';
export * from './domain/offer-book';
export { DEFAULT_SCORE_WEIGHTS, type ScoreWeights } from './domain/scoring';
