import type { WorkloadStatus } from '../workloads/workload-status';
import {
  holdRequired,
  LaunchDecision,
  launchDecision,
  NewAllocation,
  ObservationStep,
  observationSteps,
} from './workload-lifecycle';

describe('launchDecision', () => {
  const paid: NewAllocation = { holdRequired: true, holdPlaced: true };

  it.each<[string, NewAllocation, LaunchDecision]>([
    ['held: launch now', paid, { kind: 'launch' }],
    ['not held yet: wait for the hold', { ...paid, holdPlaced: false }, { kind: 'await-hold' }],
    ['nothing to hold: launch now', { holdRequired: false, holdPlaced: false }, { kind: 'launch' }],
    [
      'a stop came first: refuse, even when held',
      { ...paid, stoppedBy: 'cancelled' },
      { kind: 'refuse', reason: 'cancelled' },
    ],
    [
      'a refused hold came first: refuse before waiting',
      { ...paid, holdPlaced: false, stoppedBy: 'credit-exhausted' },
      { kind: 'refuse', reason: 'credit-exhausted' },
    ],
    [
      'an image that may not run: reject, even unpaid',
      { ...paid, holdPlaced: false, imageRefusal: 'image registry docker.io is not allowed' },
      { kind: 'reject', detail: 'image registry docker.io is not allowed' },
    ],
  ])('%s', (_name, allocation, decision) => {
    expect(launchDecision(allocation)).toEqual(decision);
  });
});

describe('holdRequired', () => {
  const at = (micros: string, gpus = 1) => ({ gpus, pricePerGpuHour: { micros } });
  it.each<[string, Array<ReturnType<typeof at>>, boolean]>([
    ['a priced node', [at('2300000')], true],
    ['a free node', [at('0')], false],
    ['a gang with one priced node', [at('0'), at('1')], true],
  ])('%s: %s', (_name, allocations, required) => {
    expect(holdRequired(allocations)).toBe(required);
  });
});

describe('observationSteps', () => {
  const T = new Date('2026-12-03T10:00:00Z');
  const status = (patch: Partial<WorkloadStatus>): WorkloadStatus => ({ phase: 'pending', ...patch });

  it.each<[string, 'created' | 'scheduled' | 'running', WorkloadStatus, number, ObservationStep[]]>([
    ['pods not there yet: nothing', 'created', status({}), 0, []],
    ['pods bound: scheduled', 'created', status({ phase: 'scheduled' }), 1, [{ kind: 'scheduled' }]],
    [
      'bound and running at once: scheduled then started',
      'created',
      status({ phase: 'running', startedAt: T }),
      1,
      [{ kind: 'scheduled' }, { kind: 'started', startedAt: T }],
    ],
    ['already running: nothing new', 'running', status({ phase: 'running', startedAt: T }), 1, []],
    [
      'ran and ended between two looks: started then finished',
      'scheduled',
      status({ phase: 'succeeded', startedAt: T, finishedAt: T }),
      1,
      [
        { kind: 'started', startedAt: T },
        { kind: 'finished', outcome: 'succeeded' },
      ],
    ],
    [
      'pods vanished before they were seen bound: only fails',
      'created',
      status({ phase: 'failed', reason: 'error' }),
      0,
      [{ kind: 'finished', outcome: 'failed' }],
    ],
    [
      'a running workload whose node left: finished failed',
      'running',
      status({ phase: 'failed', startedAt: T, reason: 'node-lost' }),
      1,
      [{ kind: 'finished', outcome: 'failed' }],
    ],
  ])('%s', (_name, state, observed, pods, steps) => {
    expect(observationSteps(state, observed, pods)).toEqual(steps);
  });
});
