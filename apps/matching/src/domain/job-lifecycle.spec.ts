import { JOB_STATES, JobState } from '@gridex/contracts';
import {
  afterWorkloadFinished,
  FinishDecision,
  FinishedWorkload,
  JobTransition,
  nextJobState,
} from './job-lifecycle';

describe('nextJobState', () => {
  // Every state × every fixed-rule transition: what the job becomes, or undefined when it ignores the input.
  const expected: Record<JobTransition, Partial<Record<JobState, JobState>>> = {
    cancel: { queued: 'cancelled', matched: 'cancelled', running: 'cancelled' },
    start: { matched: 'running' },
    expire: { queued: 'expired' },
  };
  const cases = (Object.keys(expected) as JobTransition[]).flatMap((transition) =>
    JOB_STATES.map((state) => [transition, state, expected[transition][state]] as const),
  );

  it.each(cases)('%s from %s gives %s', (transition, state, next) => {
    expect(nextJobState(state, transition)).toBe(next);
  });

  it.each<[string, JobState]>([
    ['a succeeded job', 'succeeded'],
    ['a failed job', 'failed'],
    ['an expired job', 'expired'],
    ['a cancelled job', 'cancelled'],
  ])('%s takes no fixed-rule transition (terminal)', (_name, state) => {
    expect((['cancel', 'start', 'expire'] as const).map((t) => nextJobState(state, t))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('afterWorkloadFinished', () => {
  const running = { state: 'running' as JobState, failovers: 0, retryBudget: 2 };

  it.each<[string, typeof running, FinishedWorkload, FinishDecision]>([
    ['success ends the job', running, { outcome: 'succeeded' }, { kind: 'end', state: 'succeeded' }],
    [
      'a failure of the job itself ends it failed',
      running,
      { outcome: 'failed', reason: 'exit-code' },
      { kind: 'end', state: 'failed' },
    ],
    [
      'a workload stopped by cancellation ends the job cancelled',
      running,
      { outcome: 'failed', reason: 'cancelled' },
      { kind: 'end', state: 'cancelled' },
    ],
    [
      'a lost node fails over while the budget lasts',
      running,
      { outcome: 'failed', reason: 'node-lost' },
      { kind: 'fail-over' },
    ],
    [
      'the last retry still fails over',
      { ...running, failovers: 1 },
      { outcome: 'failed', reason: 'node-lost' },
      { kind: 'fail-over' },
    ],
    [
      'a lost node with the budget spent fails the job',
      { ...running, failovers: 2 },
      { outcome: 'failed', reason: 'node-lost' },
      { kind: 'retries-exhausted' },
    ],
    [
      'no budget at all: the first lost node fails the job',
      { ...running, retryBudget: 0 },
      { outcome: 'failed', reason: 'node-lost' },
      { kind: 'retries-exhausted' },
    ],
    [
      'a cancelled job stays cancelled, even on a lost node',
      { ...running, state: 'cancelled' },
      { outcome: 'failed', reason: 'node-lost' },
      { kind: 'end', state: 'cancelled' },
    ],
    [
      'a cancelled job stays cancelled when its workload succeeded',
      { ...running, state: 'cancelled' },
      { outcome: 'succeeded' },
      { kind: 'end', state: 'cancelled' },
    ],
    [
      'a matched job whose workload ended before it was seen running takes the outcome',
      { ...running, state: 'matched' },
      { outcome: 'succeeded' },
      { kind: 'end', state: 'succeeded' },
    ],
  ])('%s', (_name, job, finished, decision) => {
    expect(afterWorkloadFinished(job, finished)).toEqual(decision);
  });
});
