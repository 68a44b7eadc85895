import { TokenBucket } from './token-bucket';

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

  it.each<[string, number[], number[]]>([
    ['a burst passes, then refusals say when to retry', [0, 0, 0, 0], [0, 0, 100, 100]],
    ['a refusal takes nothing: the next token comes on time', [0, 0, 50, 100], [0, 0, 50, 0]],
  ])('tryTake: %s', (_name, times, expected) => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(times.map((t) => bucket.tryTake(t))).toEqual(expected);
  });
});
