import {
  linesAfter,
  normalizeTimestamp,
  parseStampedLog,
  sinceSecondsFor,
  sinceTime,
  startStamp,
} from './log-lines';

describe('container log lines', () => {
  it.each<[string, string | undefined, string, string | undefined]>([
    ['2026-12-07T15:01:23', '422000000', 'Z', '2026-12-07T15:01:23.422000000Z'],
    ['2026-12-07T15:01:23', '42', 'Z', '2026-12-07T15:01:23.420000000Z'],
    ['2026-12-07T15:01:23', undefined, 'Z', '2026-12-07T15:01:23.000000000Z'],
    ['2026-12-07T16:01:23', '5', '+01:00', '2026-12-07T15:01:23.500000000Z'],
    ['not-a-time', undefined, '+01:00', undefined],
  ])('normalizes %s.%s%s', (seconds, fraction, zone, expected) => {
    expect(normalizeTimestamp(seconds, fraction, zone)).toBe(expected);
  });

  it('reads stamped lines, keeping a continuation under the previous stamp', () => {
    expect(
      parseStampedLog(
        '2026-12-07T15:01:23.42Z epoch 0 step 8\n  at train.py:12\n2026-12-07T15:01:24.5Z epoch 0 step 9\n',
      ),
    ).toEqual([
      { at: '2026-12-07T15:01:23.420000000Z', text: 'epoch 0 step 8' },
      { at: '2026-12-07T15:01:23.420000000Z', text: '  at train.py:12' },
      { at: '2026-12-07T15:01:24.500000000Z', text: 'epoch 0 step 9' },
    ]);
  });

  it('keeps only what is newer than the last line stored (a re-read overlaps by up to a second)', () => {
    const lines = parseStampedLog(
      '2026-12-07T15:01:23.4Z a\n2026-12-07T15:01:23.5Z b\n2026-12-07T15:01:24Z c\n',
    );
    expect(linesAfter(lines, '2026-12-07T15:01:23.400000000Z').map((l) => l.text)).toEqual(['b', 'c']);
    expect(linesAfter(lines, undefined)).toHaveLength(3);
  });

  it.each<[number, number]>([
    [0, 1],
    [999, 2],
    [1000, 2],
    [90_500, 92],
  ])('asks for enough whole seconds to cover %d ms', (ms, seconds) => {
    const now = new Date('2026-12-07T15:00:00Z');
    expect(sinceSecondsFor(new Date(now.getTime() - ms), now)).toBe(seconds);
  });

  it.each<[string, string | undefined]>([
    ['90s', '2026-12-07T14:58:30.000Z'],
    ['15m', '2026-12-07T14:45:00.000Z'],
    ['2h', '2026-12-07T13:00:00.000Z'],
    ['2026-12-07T14:00:00Z', '2026-12-07T14:00:00.000Z'],
    ['yesterday', undefined],
    ['10d', undefined],
  ])('reads since=%s', (value, expected) => {
    expect(sinceTime(value, new Date('2026-12-07T15:00:00Z'))?.toISOString()).toBe(expected);
  });

  it("starts a workload's log at the second it started (as the live stream asks for it)", () => {
    const stamp = startStamp(new Date('2026-12-07T15:01:23.640Z'));
    expect(stamp).toBe('2026-12-07T15:01:22.999999999Z');
    const lines = parseStampedLog('2026-12-07T15:01:22.9Z before\n2026-12-07T15:01:23.1Z same second\n');
    expect(linesAfter(lines, stamp).map((l) => l.text)).toEqual(['same second']);
  });
});
