/** The retry policy for a handler that failed with a transient error. */
export interface RetryPolicy {
  /** Attempts in all, the first included; then the event is dead-lettered. */
  maxAttempts: number;
  /** Delay after the first failure. */
  baseDelayMs: number;
  /** Cap on any single delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000 };

/**
 * Exponential backoff: how long to wait after failed attempt `attempt` (1-based) before the next one, or
 * undefined when the budget is spent. Deterministic, so the worst-case delay of a partition is known:
 * sum over attempts < maxAttempts of min(maxDelay, base * 2^(attempt-1)).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new Error(`attempt must be a positive integer, got ${attempt}`);
  if (attempt >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}
