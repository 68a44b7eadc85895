import { reliabilityScore, AvailabilityHistory, reliabilityReport, uptimeBasisPoints } from './reliability';

const H = 3600 * 1000;
const NOW = Date.parse('2026-11-28T12:00:00Z');
const at = (hoursAgo: number) => NOW - hoursAgo * H;
const history = (patch: Partial<AvailabilityHistory>): AvailabilityHistory => ({
  observedSince: at(30 * 24),
  transitions: [{ at: at(30 * 24), ready: true }],
  heartbeatGaps: [],
  ...patch,
});

describe('uptimeBasisPoints over the last 24 h', () => {
  it.each<[string, Partial<AvailabilityHistory>, number]>([
    ['ready the whole time', {}, 10_000],
    ['never ready', { transitions: [] }, 0],
    [
      'down for 6 of the 24 h',
      {
        transitions: [
          { at: at(48), ready: true },
          { at: at(12), ready: false },
          { at: at(6), ready: true },
        ],
      },
      7_500,
    ],
    [
      'down before the window only',
      {
        transitions: [
          { at: at(48), ready: false },
          { at: at(30), ready: true },
        ],
      },
      10_000,
    ],
    [
      'seen only 12 h ago, ready since',
      { observedSince: at(12), transitions: [{ at: at(12), ready: true }] },
      10_000,
    ],
    [
      'seen 12 h ago, ready only the last 3 h',
      { observedSince: at(12), transitions: [{ at: at(3), ready: true }] },
      2_500,
    ],
    ['a 2.4 h heartbeat gap while "ready"', { heartbeatGaps: [{ from: at(5), to: at(2.6) }] }, 9_000],
    [
      'a gap while already not ready is not counted twice',
      {
        transitions: [
          { at: at(48), ready: true },
          { at: at(10), ready: false },
          { at: at(4), ready: true },
        ],
        heartbeatGaps: [{ from: at(8), to: at(6) }],
      },
      7_500,
    ],
    [
      'overlapping gaps are merged',
      {
        heartbeatGaps: [
          { from: at(6), to: at(3) },
          { from: at(4), to: at(2) },
        ],
      },
      8_333,
    ],
    [
      'transitions out of order',
      {
        transitions: [
          { at: at(6), ready: true },
          { at: at(48), ready: true },
          { at: at(12), ready: false },
        ],
      },
      7_500,
    ],
    [
      'repeated ready observations',
      {
        transitions: [
          { at: at(48), ready: true },
          { at: at(20), ready: true },
        ],
      },
      10_000,
    ],
  ])('%s → %s bps', (_name, patch, expected) => {
    expect(uptimeBasisPoints(history(patch), NOW, 24 * H)).toBe(expected);
  });

  it('is 0 for a node first seen right now', () => {
    expect(uptimeBasisPoints(history({ observedSince: NOW }), NOW, 24 * H)).toBe(0);
  });
});

describe('reliabilityReport', () => {
  it('gives each window its own share: one 12 h outage 3 days ago', () => {
    const report = reliabilityReport(
      history({
        transitions: [
          { at: at(40 * 24), ready: true },
          { at: at(84), ready: false },
          { at: at(72), ready: true },
        ],
      }),
      NOW,
    );
    expect(report).toEqual({ '24h': 10_000, '7d': 9_285, '30d': 9_833 });
  });
});

describe('the reliability score (docs/reliability.md)', () => {
  it.each<[string, [number, number, number], number, number, number]>([
    ['always up, never at fault', [10_000, 10_000, 10_000], 0, 10_000, 0],
    ['down 6 hours yesterday, otherwise up', [7_500, 9_642, 9_916], 0, 9_350, 0],
    ['a steady 99 % with one fault this month', [9_900, 9_900, 9_900], 1, 9_400, 500],
    ['three faults this month', [10_000, 10_000, 10_000], 3, 8_500, 1_500],
    ['so many faults the score would go below 0', [2_000, 1_000, 500], 5, 0, 950],
  ])('%s', (_case, [day, week, month], faults, score, penalty) => {
    expect(reliabilityScore({ '24h': day, '7d': week, '30d': month }, faults)).toEqual({
      scoreBps: score,
      uptimeBps: { '24h': day, '7d': week, '30d': month },
      faults30d: faults,
      faultPenaltyBps: penalty,
    });
  });
});
