import { retriable, TokenBucket } from './kube-calls';

describe('TokenBucket', () => {
  it('lets a burst through, then paces to the rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(100); // the 4th waits one token: 1/10 s
    expect(bucket.take(0)).toBe(200);
  });

  it('refills with time, never above the burst', () => {
    const bucket = new TokenBucket(10, 2, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.take(10_000)).toBe(0);
    expect(bucket.take(10_000)).toBe(0);
    expect(bucket.take(10_000)).toBe(100);
  });
});

describe('retriable', () => {
  it.each<[string, unknown, boolean]>([
    ['throttled', { code: 429 }, true],
    ['server error', { code: 503 }, true],
    ['conflict', { code: 409 }, false],
    ['not found', { code: 404 }, false],
    ['forbidden (quota)', { code: 403 }, false],
    ['no answer', new Error('socket hang up'), true],
  ])('%s', (_name, error, expected) => {
    expect(retriable(error)).toBe(expected);
  });
});
