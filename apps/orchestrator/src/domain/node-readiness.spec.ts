import { lostWhileNotReady, notReadySince, untilLost } from './node-readiness';

const since = new Date('2026-12-07T10:00:00.000Z');
const at = (seconds: number) => new Date(since.getTime() + seconds * 1000);

describe('a node that stopped being Ready', () => {
  it.each<
    [string, Array<{ type: string; status: string; lastTransitionTime?: Date }> | undefined, Date | undefined]
  >([
    ['Ready', [{ type: 'Ready', status: 'True', lastTransitionTime: since }], undefined],
    [
      'NotReady, since its transition',
      [{ type: 'Ready', status: 'False', lastTransitionTime: since }],
      since,
    ],
    [
      'Unknown (the kubelet went silent)',
      [{ type: 'Ready', status: 'Unknown', lastTransitionTime: since }],
      since,
    ],
    [
      'no Ready condition yet',
      [{ type: 'MemoryPressure', status: 'False', lastTransitionTime: since }],
      undefined,
    ],
    ['no conditions', undefined, undefined],
  ])('%s', (_case, conditions, expected) => {
    expect(notReadySince(conditions)).toEqual(expected);
  });

  it.each<[string, Date | undefined, number, number, boolean, number | undefined]>([
    ['within the grace period', since, 30, 60_000, false, 30_000],
    ['at the end of it', since, 60, 60_000, true, 0],
    ['long after', since, 600, 60_000, true, 0],
    ['Ready', undefined, 600, 60_000, false, undefined],
    ['with the rule off', since, 600, 0, false, undefined],
  ])('%s: lost %s', (_case, notReady, nowSeconds, graceMs, lost, remaining) => {
    expect(lostWhileNotReady(notReady, at(nowSeconds), graceMs)).toBe(lost);
    expect(untilLost(notReady, at(nowSeconds), graceMs)).toBe(remaining);
  });
});
