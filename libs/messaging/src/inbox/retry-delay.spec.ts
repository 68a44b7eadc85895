import { DEFAULT_RETRY_POLICY, retryDelayMs } from './retry-delay';

describe('retryDelayMs', () => {
  const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    ['after the first failure', 1, 100],
    ['doubles', 2, 200],
    ['doubles again', 3, 400],
    ['is capped', 5, 1000],
    ['stops when the budget is spent', 6, undefined],
    ['stays stopped', 9, undefined],
  ])('%s (attempt %i → %s ms)', (_name, attempt, expected) => {
    expect(retryDelayMs(attempt, policy)).toBe(expected);
  });

  it.each([0, -1, 1.5])('rejects attempt %p', (attempt) => {
    expect(() => retryDelayMs(attempt, policy)).toThrow(/positive integer/);
  });

  it('keeps the default worst case of one poisoned partition under two seconds', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, DEFAULT_RETRY_POLICY) ?? 0);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(1500);
  });
});
