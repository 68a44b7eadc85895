/** What a job contributes to usage over time: its GPUs and when it ran. */
export interface RunSpan {
  gpus: number;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * GPU-hours per hour, from the jobs' run spans (a job still running counts up to `now`): each hour's bucket gets
 * the part of every span that falls in it, and every hour from the first to the last is there (idle ones at 0),
 * so the chart's time axis is the usage's own. Returns the hours (epoch seconds, for the chart) and the GPU-hours.
 */
export function gpuHoursPerHour(
  spans: readonly RunSpan[],
  now: number,
): { hours: number[]; gpuHours: number[] } {
  const HOUR = 3_600_000;
  const buckets = new Map<number, number>();
  for (const span of spans) {
    if (!span.startedAt || span.gpus <= 0) continue;
    const start = Date.parse(span.startedAt);
    const end = span.finishedAt ? Date.parse(span.finishedAt) : now;
    for (let hour = Math.floor(start / HOUR) * HOUR; hour < end; hour += HOUR) {
      const overlap = Math.min(end, hour + HOUR) - Math.max(start, hour);
      if (overlap > 0) buckets.set(hour, (buckets.get(hour) ?? 0) + (overlap / HOUR) * span.gpus);
    }
  }
  if (buckets.size === 0) return { hours: [], gpuHours: [] };
  const first = Math.min(...buckets.keys());
  const last = Math.max(...buckets.keys());
  const hours: number[] = [];
  for (let hour = first; hour <= last; hour += HOUR) hours.push(hour);
  return { hours: hours.map((hour) => hour / 1000), gpuHours: hours.map((hour) => buckets.get(hour) ?? 0) };
}

/**
 * A supplier's utilisation per hour: the GPU-seconds it sold in each hour over what `gpus` GPUs could give in an
 * hour, as a percentage; every hour from the first to the last is there (idle ones at 0).
 */
export function utilisationPerHour(
  sold: ReadonlyArray<{ hourStart: string; gpuSeconds: number }>,
  gpus: number,
): { hours: number[]; percent: number[] } {
  if (sold.length === 0 || gpus <= 0) return { hours: [], percent: [] };
  const HOUR = 3_600_000;
  const byHour = new Map(sold.map((h) => [Date.parse(h.hourStart), h.gpuSeconds]));
  const first = Math.min(...byHour.keys());
  const last = Math.max(...byHour.keys());
  const hours: number[] = [];
  for (let hour = first; hour <= last; hour += HOUR) hours.push(hour);
  return {
    hours: hours.map((hour) => hour / 1000),
    percent: hours.map((hour) => Math.min(100, ((byHour.get(hour) ?? 0) / (gpus * 3600)) * 100)),
  };
}
