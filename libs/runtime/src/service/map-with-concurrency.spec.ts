import { mapWithConcurrency } from './map-with-concurrency';

/** Work that records how many calls overlap, finishing in the given order of delays. */
function tracked(delays: number[]) {
  let inFlight = 0;
  const peaks: number[] = [];
  const work = async (item: number) => {
    inFlight += 1;
    peaks.push(inFlight);
    await new Promise((resolve) => setTimeout(resolve, delays[item]));
    inFlight -= 1;
    return item * 10;
  };
  return { work, peak: () => Math.max(0, ...peaks), inFlight: () => inFlight };
}

describe('mapWithConcurrency', () => {
  it.each([
    { items: 0, concurrency: 3, peak: 0 },
    { items: 1, concurrency: 3, peak: 1 },
    { items: 5, concurrency: 1, peak: 1 },
    { items: 5, concurrency: 2, peak: 2 },
    { items: 8, concurrency: 16, peak: 8 },
  ])('$items items, at most $concurrency at once', async ({ items, concurrency, peak }) => {
    const delays = Array.from({ length: items }, (_, i) => (i * 7) % 5);
    const run = tracked(delays);
    const results = await mapWithConcurrency([...delays.keys()], concurrency, run.work);
    // In item order, whatever order they finished in.
    expect(results).toEqual([...delays.keys()].map((i) => i * 10));
    expect(run.peak()).toBe(peak);
  });

  it('throws the first failure after the calls in flight have settled, and starts no more', async () => {
    const run = tracked([5, 1, 5, 5, 5]);
    const started: number[] = [];
    const failing = (item: number) => {
      started.push(item);
      if (item === 1) return Promise.reject(new Error('refused'));
      return run.work(item);
    };
    await expect(mapWithConcurrency([0, 1, 2, 3, 4], 2, failing)).rejects.toThrow('refused');
    expect(run.inFlight()).toBe(0);
    expect(started).toEqual([0, 1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses concurrency %p', async (concurrency) => {
    await expect(mapWithConcurrency([1], concurrency, async (x) => x)).rejects.toThrow(RangeError);
  });
});
