/**
 * A circuit breaker per network: a network that errors or times out `failureThreshold` times in a row stops
 * being routed to (open) for `openMs`; then one call is let through as a probe (half-open): its success closes
 * the breaker, its failure opens it again for another `openMs`. Pure: the caller passes the time, so the rules
 * are table-tested without waiting.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  failureThreshold: number;
  openMs: number;
}

export interface Breaker {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets a probe through. */
  retryAt?: number;
  /** A probe is out: no other call passes until it reports. */
  probing: boolean;
  lastError?: string;
}

export const closedBreaker = (): Breaker => ({ state: 'closed', consecutiveFailures: 0, probing: false });

/** Whether a call may go to the network now; a call let through an open breaker is its probe. */
export function mayCall(breaker: Breaker, now: number): boolean {
  if (breaker.state === 'closed') return true;
  if (breaker.state === 'open' && now >= (breaker.retryAt ?? 0)) {
    breaker.state = 'half-open';
    breaker.probing = true;
    return true;
  }
  if (breaker.state === 'half-open' && !breaker.probing) {
    breaker.probing = true;
    return true;
  }
  return false;
}

/** A call succeeded: the breaker closes. */
export function recordSuccess(breaker: Breaker): void {
  breaker.state = 'closed';
  breaker.consecutiveFailures = 0;
  breaker.probing = false;
  breaker.retryAt = undefined;
  breaker.lastError = undefined;
}

/** A call failed (an error, a timeout, an answer that does not validate). */
export function recordFailure(breaker: Breaker, error: string, now: number, settings: BreakerSettings): void {
  breaker.consecutiveFailures += 1;
  breaker.lastError = error;
  breaker.probing = false;
  if (breaker.state === 'half-open' || breaker.consecutiveFailures >= settings.failureThreshold) {
    breaker.state = 'open';
    breaker.retryAt = now + settings.openMs;
  }
}
