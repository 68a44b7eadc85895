import { gpuHoursPerHour, utilisationPerHour } from './usage-series';

const at = (time: string) => `2026-12-07T${time}:00.000Z`;
const hour = (time: string) => Date.parse(at(time)) / 1000;

describe('GPU-hours per hour', () => {
  it.each([
    ['nothing ran', [], { hours: [], gpuHours: [] }],
    [
      'a job that never started',
      [{ gpus: 8, startedAt: null, finishedAt: null }],
      { hours: [], gpuHours: [] },
    ],
    [
      '8 GPUs for half an hour',
      [{ gpus: 8, startedAt: at('10:00'), finishedAt: at('10:30') }],
      { hours: [hour('10:00')], gpuHours: [4] },
    ],
    [
      'a run across an hour boundary is split between the hours',
      [{ gpus: 2, startedAt: at('10:45'), finishedAt: at('11:15') }],
      { hours: [hour('10:00'), hour('11:00')], gpuHours: [0.5, 0.5] },
    ],
    [
      'two jobs in one hour add up',
      [
        { gpus: 1, startedAt: at('09:00'), finishedAt: at('10:00') },
        { gpus: 4, startedAt: at('09:30'), finishedAt: at('10:00') },
      ],
      { hours: [hour('09:00')], gpuHours: [3] },
    ],
    [
      'a running job counts up to now',
      [{ gpus: 4, startedAt: at('12:00'), finishedAt: null }],
      { hours: [hour('12:00')], gpuHours: [1] },
    ],
  ])('%s', (_case, spans, expected) => {
    expect(gpuHoursPerHour(spans, Date.parse(at('12:15')))).toEqual(expected);
  });
});

describe("a supplier's utilisation per hour", () => {
  it.each([
    ['nothing sold', [], 8, { hours: [], percent: [] }],
    ['no GPUs', [{ hourStart: at('10:00'), gpuSeconds: 3600 }], 0, { hours: [], percent: [] }],
    [
      'one GPU-hour of eight GPUs',
      [{ hourStart: at('10:00'), gpuSeconds: 3600 }],
      8,
      { hours: [hour('10:00')], percent: [12.5] },
    ],
    [
      'an idle hour between two busy ones',
      [
        { hourStart: at('09:00'), gpuSeconds: 7200 },
        { hourStart: at('11:00'), gpuSeconds: 28_800 },
      ],
      8,
      { hours: [hour('09:00'), hour('10:00'), hour('11:00')], percent: [25, 0, 100] },
    ],
  ])('%s', (_case, sold, gpus, expected) => {
    expect(utilisationPerHour(sold, gpus)).toEqual(expected);
  });
});
