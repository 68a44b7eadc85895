import { fairQueueOrder, QueuedJob } from './queue-order';

const job = (jobId: string, tenantId: string, priority: number, submittedAtMs: number): QueuedJob => ({
  jobId,
  tenantId,
  priority,
  submittedAtMs,
});

describe('fairQueueOrder', () => {
  it.each<[string, QueuedJob[], string[]]>([
    ['empty queue', [], []],
    [
      'one tenant: priority, then age',
      [job('old-low', 't', 1, 1), job('new-high', 't', 9, 5), job('new-low', 't', 1, 3)],
      ['new-high', 'old-low', 'new-low'],
    ],
    ['equal priority and age: by job id', [job('b', 't', 0, 1), job('a', 't', 0, 1)], ['a', 'b']],
    [
      'a tenant with many jobs does not starve one with a single later job',
      [job('a1', 'big', 0, 1), job('a2', 'big', 0, 2), job('a3', 'big', 0, 3), job('b1', 'small', 0, 10)],
      ['a1', 'b1', 'a2', 'a3'],
    ],
    [
      "priorities order a tenant's own jobs but do not jump other tenants",
      [job('a-urgent', 'a', 1000, 5), job('b-normal', 'b', 0, 1), job('a-normal', 'a', 0, 2)],
      ['b-normal', 'a-urgent', 'a-normal'],
    ],
  ])('%s', (_name, jobs, expected) => {
    expect(fairQueueOrder(jobs).map((j) => j.jobId)).toEqual(expected);
  });

  it('keeps every job exactly once and does not depend on input order', () => {
    const jobs = Array.from({ length: 50 }, (_, i) => job(`j${i}`, `t${i % 4}`, i % 3, 1000 - i));
    const ordered = fairQueueOrder(jobs).map((j) => j.jobId);
    expect([...ordered].sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect(fairQueueOrder([...jobs].reverse()).map((j) => j.jobId)).toEqual(ordered);
  });
});
