/**
 * Reliability of a node: the share of a rolling window during which it was available, from its Ready
 * transitions and the gaps in its heartbeats. Pure and deterministic: the same history gives the same number.
 */

/** A change of the node's Ready condition, as observed. */
export interface ReadyTransition {
  at: number; // epoch milliseconds
  ready: boolean;
}

/** A span during which the node sent no heartbeat although it claimed to be Ready (counted as down). */
export interface HeartbeatGap {
  from: number;
  to: number;
}

export interface AvailabilityHistory {
  /** When inventory first saw the node; time before it is outside every window. */
  observedSince: number;
  /** Ready transitions, any order; the state before the first one is "not ready". */
  transitions: ReadyTransition[];
  heartbeatGaps: HeartbeatGap[];
}

export const RELIABILITY_WINDOWS = {
  '24h': 24 * 3600 * 1000,
  '7d': 7 * 24 * 3600 * 1000,
  '30d': 30 * 24 * 3600 * 1000,
} as const;

export type ReliabilityWindow = keyof typeof RELIABILITY_WINDOWS;

/** 100 % in basis points. */
export const FULL_UPTIME_BPS = 10_000;

/**
 * Uptime over [now - window, now] in basis points (0-10,000), rounded down so a node never looks better than it
 * was. Only the part of the window after `observedSince` counts; a node seen for no time at all has 0.
 */
export function uptimeBasisPoints(history: AvailabilityHistory, now: number, windowMs: number): number {
  const start = Math.max(now - windowMs, history.observedSince);
  if (now <= start) return 0;
  const up = readyIntervals(history.transitions, start, now);
  const gaps = mergeIntervals(
    history.heartbeatGaps
      .map(({ from, to }) => [Math.max(from, start), Math.min(to, now)] as Interval)
      .filter(([a, b]) => b > a),
  );
  const available = total(up) - total(intersect(up, gaps));
  return Math.floor((available * FULL_UPTIME_BPS) / (now - start));
}

/** Uptime for every standard window. */
export function reliabilityReport(
  history: AvailabilityHistory,
  now: number,
): Record<ReliabilityWindow, number> {
  return {
    '24h': uptimeBasisPoints(history, now, RELIABILITY_WINDOWS['24h']),
    '7d': uptimeBasisPoints(history, now, RELIABILITY_WINDOWS['7d']),
    '30d': uptimeBasisPoints(history, now, RELIABILITY_WINDOWS['30d']),
  };
}

type Interval = [number, number];

function readyIntervals(transitions: ReadyTransition[], start: number, end: number): Interval[] {
  const ordered = [...transitions].sort((a, b) => a.at - b.at);
  const intervals: Interval[] = [];
  let readySince: number | undefined;
  for (const { at, ready } of ordered) {
    if (ready && readySince === undefined) readySince = at;
    if (!ready && readySince !== undefined) {
      intervals.push([readySince, at]);
      readySince = undefined;
    }
  }
  if (readySince !== undefined) intervals.push([readySince, end]);
  return intervals
    .map(([a, b]) => [Math.max(a, start), Math.min(b, end)] as Interval)
    .filter(([a, b]) => b > a);
}

function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const merged: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

function intersect(left: Interval[], right: Interval[]): Interval[] {
  const result: Interval[] = [];
  for (const [a1, b1] of left) {
    for (const [a2, b2] of right) {
      const a = Math.max(a1, a2);
      const b = Math.min(b1, b2);
      if (b > a) result.push([a, b]);
    }
  }
  return result;
}

function total(intervals: Interval[]): number {
  return intervals.reduce((sum, [a, b]) => sum + (b - a), 0);
}

/**
 * How much each window weighs in the score, in basis points of the whole: the last 30 days most (a steady
 * record), the last day least (one bad night should not undo a month).
 */
export const RELIABILITY_WINDOW_WEIGHTS_BPS: Readonly<Record<ReliabilityWindow, number>> = {
  '24h': 2_000,
  '7d': 3_000,
  '30d': 5_000,
};

/** What each supplier-caused fault of the last 30 days takes off the score, in basis points (5 points). */
export const FAULT_PENALTY_BPS = 500;

/** A node's reliability score and its parts, all in basis points (10,000 = 100 %). */
export interface ReliabilityScore {
  scoreBps: number;
  uptimeBps: Record<ReliabilityWindow, number>;
  /** Faults attributed to the node in the last 30 days (lost while running work, GPU errors, …). */
  faults30d: number;
  faultPenaltyBps: number;
}

/**
 * The published reliability score (docs/reliability.md): the weighted mean of the node's uptime over the last
 * 24 hours, 7 days and 30 days, rounded down, less 5 points for each fault attributed to it in the last 30
 * days, never below 0. Integer arithmetic only, so the same history always gives the same score.
 */
export function reliabilityScore(
  uptimeBps: Record<ReliabilityWindow, number>,
  faults30d: number,
): ReliabilityScore {
  const weighted = Math.floor(
    (Object.keys(RELIABILITY_WINDOW_WEIGHTS_BPS) as ReliabilityWindow[]).reduce(
      (sum, window) => sum + uptimeBps[window] * RELIABILITY_WINDOW_WEIGHTS_BPS[window],
      0,
    ) / FULL_UPTIME_BPS,
  );
  const faultPenaltyBps = Math.min(weighted, faults30d * FAULT_PENALTY_BPS);
  return { scoreBps: weighted - faultPenaltyBps, uptimeBps, faults30d, faultPenaltyBps };
}
