import { gpuHoursFromSeconds, gpuHoursSchema, gpuSecondsFromHours } from './gpu-hours';

describe('GPU-hours on the API', () => {
  it.each<[string, number]>([
    ['100', 360_000],
    ['40', 144_000],
    ['0.5', 1_800],
    ['12.25', 44_100],
    ['0.01', 36],
  ])('%s GPU-hours are %i GPU-seconds', (hours, seconds) => {
    expect(gpuSecondsFromHours(hours)).toBe(seconds);
    expect(gpuHoursSchema.safeParse(hours).success).toBe(true);
  });

  it.each(['', '1.234', '-1', '1e3', 'ten', '1.', '01', '0', '0.00'])('refuses "%s"', (hours) => {
    expect(gpuHoursSchema.safeParse(hours).success).toBe(false);
  });

  it.each<[number, string]>([
    [360_000, '100'],
    [1_800, '0.5'],
    [3_601, '1.0002'],
    [1, '0.0002'],
    [0, '0'],
  ])('%i GPU-seconds read as %s GPU-hours', (seconds, hours) => {
    expect(gpuHoursFromSeconds(seconds)).toBe(hours);
  });
});
