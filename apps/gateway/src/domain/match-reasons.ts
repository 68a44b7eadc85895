import { JobUnmatchedPayload } from '@gridex/contracts';
import { microsToDecimal } from './api-money';

/** What matching says about a quote or a job it could not place (a quote also says whether it fits). */
export type MatchExplanation = Pick<JobUnmatchedPayload, 'nearMiss' | 'nodesConsidered'> &
  Partial<Pick<JobUnmatchedPayload, 'code' | 'exclusions'>> & { feasible?: boolean };

/**
 * Readable reasons from matching's explanation of a quote or of an unmatched job: what excluded how much, and
 * the cheapest thing to relax.
 */
export function matchReasons(answer: MatchExplanation): string[] {
  if (answer.feasible) return [];
  const reasons = (answer.exclusions ?? [])
    .filter((e) => e.excludedNodes > 0)
    .map((e) => `${e.constraint}: excludes ${e.excludedNodes} node(s), ${e.excludedGpus} GPU(s)`);
  if (answer.code === 'MATCHING.NO_CAPACITY')
    reasons.unshift('no capacity free now that fits; it would queue');
  if (answer.nearMiss) {
    const price = answer.nearMiss.pricePerGpuHour
      ? ` (at ${microsToDecimal(BigInt(answer.nearMiss.pricePerGpuHour.micros))} per GPU-hour)`
      : '';
    reasons.push(`relaxing ${answer.nearMiss.relax} would fit${price}`);
  }
  if (reasons.length === 0) reasons.push(`nothing fits among ${answer.nodesConsidered} node(s)`);
  return reasons;
}
