/**
 * The soft preferences of matching: among the nodes that satisfy every hard constraint, which is best for the
 * client and for the market. The score is a sum of terms so that the offer book can keep nodes pre-sorted by the
 * part that depends only on the node (price, performance per dollar, reliability) and add the parts that depend on
 * the job or on the moment (preferred regions, regional load, packing) per index list, not per node.
 *
 * Price and performance per dollar enter as logarithms: a node half as expensive gains the same whether prices are
 * cents or dollars, so the weights mean the same for every GPU class and currency. Scores are floats (they order
 * nodes; they are never money). Equal scores are broken by node id, so a decision is a function of its inputs.
 */

export interface ScoreWeights {
  /** Cheaper is better: weight of −ln(client price per GPU-hour). */
  price: number;
  /** More measured performance per unit of price is better: weight of ln(benchmark score / price). */
  perfPerDollar: number;
  /** Weight of reliability as a fraction (0.999 uptime contributes 0.999 × weight). */
  reliability: number;
  /** Bonus for a node in one of the job's preferred regions. */
  preferredRegion: number;
  /** Penalty per unit of the region's GPU utilization (0..1): spreads work across regions. */
  loadSpread: number;
  /** Penalty per GPU left idle on the chosen node, per 8 GPUs: fills partly used nodes before opening new ones. */
  packing: number;
}

export const DEFAULT_SCORE_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({
  price: 1,
  perfPerDollar: 1,
  reliability: 5,
  preferredRegion: 0.5,
  loadSpread: 1,
  packing: 0.2,
});

/** The benchmark score of the reference GPU; unbenchmarked nodes count as 1/1000 of it (no credit for perf/$). */
const REFERENCE_BENCHMARK_SCORE = 1000;
const MICROS_PER_UNIT = 1_000_000;

/** The part of a node's score that depends only on the node and the tier's price. */
export function nodeScore(
  clientPriceMicros: bigint,
  benchmarkScore: number | undefined,
  reliabilityBps: number,
  weights: ScoreWeights,
): number {
  const price = Math.max(Number(clientPriceMicros), 1) / MICROS_PER_UNIT;
  const performance = Math.max(benchmarkScore ?? 0, 1) / REFERENCE_BENCHMARK_SCORE;
  return (
    -weights.price * Math.log(price) +
    weights.perfPerDollar * Math.log(performance / price) +
    (weights.reliability * reliabilityBps) / 10_000
  );
}

/** A node's score for a job, term by term (each already weighted; `total` is their sum). */
export interface ScoreBreakdown {
  price: number;
  perfPerDollar: number;
  reliability: number;
  preferredRegion: number;
  loadSpread: number;
  packing: number;
  total: number;
}

/** The terms of `nodeScore` + `regionScore` + `packingScore`, apart, so a client can see why a node won. */
export function scoreBreakdown(
  node: { clientPriceMicros: bigint; benchmarkScore: number | undefined; reliabilityBps: number },
  place: { preferred: boolean; utilization: number; idleGpusAfter: number },
  weights: ScoreWeights,
): ScoreBreakdown {
  const price = Math.max(Number(node.clientPriceMicros), 1) / MICROS_PER_UNIT;
  const performance = Math.max(node.benchmarkScore ?? 0, 1) / REFERENCE_BENCHMARK_SCORE;
  const terms = {
    price: -weights.price * Math.log(price),
    perfPerDollar: weights.perfPerDollar * Math.log(performance / price),
    reliability: (weights.reliability * node.reliabilityBps) / 10_000,
    preferredRegion: place.preferred ? weights.preferredRegion : 0,
    loadSpread: -weights.loadSpread * place.utilization,
    packing: packingScore(place.idleGpusAfter, weights),
  };
  return { ...terms, total: Object.values(terms).reduce((sum, term) => sum + term, 0) };
}

/** The part that depends on the node's region: the job's preference and how busy the region is. */
export function regionScore(preferred: boolean, utilization: number, weights: ScoreWeights): number {
  return (preferred ? weights.preferredRegion : 0) - weights.loadSpread * utilization;
}

/** The part that depends on how many GPUs the placement leaves idle on the node. */
export function packingScore(idleGpusAfter: number, weights: ScoreWeights): number {
  return (-weights.packing * idleGpusAfter) / 8;
}

/** Weights from configuration must be finite and non-negative; a bad one names itself. */
export function validateWeights(weights: ScoreWeights): string[] {
  return Object.entries(weights)
    .filter(([, value]) => !Number.isFinite(value) || value < 0)
    .map(([name, value]) => `score weight ${name} must be a finite number ≥ 0, got ${value}`);
}
