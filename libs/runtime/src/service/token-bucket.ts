/**
 * A token bucket: `rate` tokens per second sustained, `burst` at once. Pure (the clock is passed in) so the
 * rate maths is testable. `take` is for callers that wait their turn (a client pacing its API calls);
 * `tryTake` is for servers that refuse instead (rate limits answered with 429 and Retry-After).
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  /** Takes a token; returns how long to wait before using it (0: go now). */
  take(nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** Takes a token if one is there (returns 0); otherwise takes nothing and returns the ms until one will be. */
  tryTake(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(nowMs: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.updatedMs) / 1000) * this.rate);
    this.updatedMs = nowMs;
  }
}
