import { z } from 'zod';

/**
 * GPU time in the public API is GPU-hours as a decimal string (`"40"`, `"12.25"`); inside Gridex it is whole
 * GPU-seconds. A request may give at most two decimals (a whole number of 36-second steps, so nothing is
 * rounded on the way in); an answer is exact to the second (up to four decimals, trailing zeros dropped).
 */
const GPU_HOURS = /^(0|[1-9]\d{0,6})(?:\.(\d{1,2}))?$/;

export const gpuHoursSchema = z
  .string()
  .regex(GPU_HOURS, {
    message: 'must be GPU-hours with at most two decimals, such as "40" or "12.25"',
    abort: true,
  })
  .refine((hours) => gpuSecondsFromHours(hours) > 0, 'must be more than zero');

export function gpuSecondsFromHours(hours: string): number {
  const match = GPU_HOURS.exec(hours);
  if (!match) throw new RangeError(`GPU-hours must be a decimal with at most two places, got "${hours}"`);
  const hundredths = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return hundredths * 36;
}

export function gpuHoursFromSeconds(gpuSeconds: number): string {
  const whole = Math.floor(gpuSeconds / 3600);
  const rest = gpuSeconds % 3600;
  const fraction = String(Math.floor((rest * 10_000) / 3600))
    .padStart(4, '0')
    .replace(/0+$/, '');
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
}
