/**
 * Container log lines as the kubelet gives them with `timestamps=true`: `<RFC3339Nano> <text>`. The collector
 * reads a pod's log again and again (sinceSeconds has whole-second precision), so it keeps only lines newer than
 * the last it stored; timestamps are compared normalized to nine fractional digits (the kubelet trims trailing
 * zeros, which would break a plain string comparison).
 */
export interface LogLine {
  /** RFC3339 with exactly nine fractional digits, so that string order is time order. */
  at: string;
  text: string;
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) (.*)$/;

/** `2026-12-07T15:01:23.42Z` → `2026-12-07T15:01:23.420000000Z`; undefined when it is not a timestamp. */
export function normalizeTimestamp(
  seconds: string,
  fraction: string | undefined,
  zone: string,
): string | undefined {
  if (zone !== 'Z') {
    // Kubelets write UTC; an offset is converted through Date (millisecond precision is then all there is).
    const ms = Date.parse(`${seconds}${zone}`);
    if (Number.isNaN(ms)) return undefined;
    return `${new Date(ms).toISOString().slice(0, 19)}.${(fraction ?? '').padEnd(9, '0').slice(0, 9)}Z`;
  }
  return `${seconds}.${(fraction ?? '').padEnd(9, '0')}Z`;
}

/** The lines of a log read with timestamps; a line without one (a continuation) keeps the previous stamp. */
export function parseStampedLog(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const match = STAMPED.exec(raw);
    const at = match ? normalizeTimestamp(match[1], match[2], match[3]) : undefined;
    if (match && at) lines.push({ at, text: match[4] });
    else if (lines.length > 0) lines.push({ at: lines[lines.length - 1].at, text: raw });
  }
  return lines;
}

/** The lines after `last` (the newest stored stamp; all when there is none). */
export function linesAfter(lines: readonly LogLine[], last: string | undefined): LogLine[] {
  return last === undefined ? [...lines] : lines.filter((line) => line.at > last);
}

/** Seconds to ask the kubelet for so that a read covers everything after `from` (whole seconds, rounded up). */
export function sinceSecondsFor(from: Date, now: Date): number {
  return Math.max(1, Math.ceil((now.getTime() - from.getTime()) / 1000) + 1);
}

/** `?since=` of the logs API: a duration (`90s`, `15m`, `2h`) or an RFC3339 time; undefined when malformed. */
export function sinceTime(value: string, now: Date): Date | undefined {
  const duration = /^(\d{1,7})(s|m|h)$/.exec(value);
  if (duration) {
    const seconds = Number(duration[1]) * { s: 1, m: 60, h: 3600 }[duration[2] as 's' | 'm' | 'h'];
    return new Date(now.getTime() - seconds * 1000);
  }
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** Just before the second a workload started, as a stamp: `linesAfter` it keeps the lines from that second on. */
export function startStamp(startedAt: Date): string {
  const second = Math.floor(new Date(startedAt).getTime() / 1000) * 1000;
  return `${new Date(second - 1).toISOString().slice(0, 23)}999999Z`;
}
