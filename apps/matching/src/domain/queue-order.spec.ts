import { FairShareQueue, fairShareOrder, QueuedJob, TenantLane } from './queue-order';

const job = (jobId: string, tenantId: string, priority = 0, submittedAtMs = 0, gpus = 1): QueuedJob => ({
  jobId,
  tenantId,
  priority,
  submittedAtMs,
  gpus,
});
const lane = (
  tenantId: string,
  jobs: QueuedJob[],
  patch: Partial<TenantLane<QueuedJob>> = {},
): TenantLane<QueuedJob> => ({ tenantId, weight: 1, usedGpus: 0, jobs, ...patch });

describe('the fair-share queue', () => {
  it.each<[string, TenantLane<QueuedJob>[], string[]]>([
    ['empty queue', [], []],
    [
      'one tenant: priority, then age',
      [lane('t', [job('old-low', 't', 1, 1), job('new-high', 't', 9, 5), job('new-low', 't', 1, 3)])],
      ['new-high', 'old-low', 'new-low'],
    ],
    ['equal priority and age: by job id', [lane('t', [job('b', 't'), job('a', 't')])], ['a', 'b']],
    [
      'a tenant with many jobs does not starve one with a single later job',
      [
        lane('big', [job('a1', 'big', 0, 1), job('a2', 'big', 0, 2), job('a3', 'big', 0, 3)]),
        lane('small', [job('b1', 'small', 0, 10)]),
      ],
      ['a1', 'b1', 'a2', 'a3'],
    ],
    [
      "priorities order a tenant's own jobs but do not jump other tenants",
      [
        lane('a', [job('a-urgent', 'a', 1000, 5), job('a-normal', 'a', 0, 2)]),
        lane('b', [job('b-normal', 'b', 0, 1)]),
      ],
      ['b-normal', 'a-urgent', 'a-normal'],
    ],
    [
      'the tenant already holding GPUs waits for the others to catch up',
      [
        lane('busy', [job('x1', 'busy', 0, 1), job('x2', 'busy', 0, 2)], { usedGpus: 2 }),
        lane('idle', [job('y1', 'idle', 0, 9), job('y2', 'idle', 0, 9), job('y3', 'idle', 0, 9)]),
      ],
      ['y1', 'y2', 'x1', 'y3', 'x2'],
    ],
    [
      'GPUs count, not jobs: an 8-GPU job uses eight turns of a 1-GPU tenant',
      [
        lane('gang', [job('g1', 'gang', 0, 1, 8), job('g2', 'gang', 0, 2, 8)]),
        lane(
          'small',
          Array.from({ length: 9 }, (_, i) => job(`s${i}`, 'small', 0, 5)),
        ),
      ],
      ['g1', 's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 'g2', 's8'],
    ],
    [
      'a weight of 2 gets two GPUs for every one of a weight of 1',
      [
        lane(
          'gold',
          Array.from({ length: 4 }, (_, i) => job(`g${i}`, 'gold', 0, i)),
          { weight: 2 },
        ),
        lane(
          'plain',
          Array.from({ length: 2 }, (_, i) => job(`p${i}`, 'plain', 0, i)),
        ),
      ],
      // (At equal shares the older head goes first: p1 before g2.)
      ['g0', 'p0', 'g1', 'p1', 'g2', 'g3'],
    ],
  ])('%s', (_name, lanes, expected) => {
    expect(fairShareOrder(lanes).map((j) => j.jobId)).toEqual(expected);
  });

  it('keeps every job exactly once and does not depend on input order', () => {
    const jobs = Array.from({ length: 50 }, (_, i) =>
      job(`j${i}`, `t${i % 4}`, i % 3, 1000 - i, 1 + (i % 3)),
    );
    const lanesOf = (list: QueuedJob[]) =>
      ['t0', 't1', 't2', 't3'].map((t) =>
        lane(
          t,
          list.filter((j) => j.tenantId === t),
        ),
      );
    const ordered = fairShareOrder(lanesOf(jobs)).map((j) => j.jobId);
    expect([...ordered].sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect(fairShareOrder(lanesOf([...jobs].reverse()).reverse()).map((j) => j.jobId)).toEqual(ordered);
  });

  it('gives a job that did not fit no GPUs: its tenant keeps its place', () => {
    const queue = new FairShareQueue([
      lane('a', [job('a1', 'a'), job('a2', 'a')]),
      lane('b', [job('b1', 'b', 0, 5)]),
    ]);
    expect(queue.next()?.jobId).toBe('a1'); // not placed
    expect(queue.next()?.jobId).toBe('a2'); // a still holds nothing and its head is older
    expect(queue.next()?.jobId).toBe('b1');
    expect(queue.next()).toBeUndefined();
  });

  it('refuses a weight that is not positive', () => {
    expect(() => new FairShareQueue([lane('a', [job('a1', 'a')], { weight: 0 })])).toThrow(/weight/);
  });
});
