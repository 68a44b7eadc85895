/**
 * What benchmarks may use of matching (`bench/matching`, `bench/fairness`): the pure routing engine, its
 * linear-scan twin, the scoring weights and the queue's fair sharing. Nothing else of the app is public.
 */
export { placeByLinearScan } from './domain/naive-placement';
export * from './domain/offer-book';
export { DEFAULT_SCORE_WEIGHTS, type ScoreWeights } from './domain/scoring';
export { FairShareQueue, type QueuedJob, type TenantLane } from './domain/queue-order';
