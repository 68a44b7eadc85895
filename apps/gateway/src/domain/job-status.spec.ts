import {
  finishedStatus,
  JobStatusChange,
  jobStatusChange,
  JobStatusInput,
  JobStatusView,
} from './job-status';

const R1 = 'res-1';
const R2 = 'res-2';
const job = (
  status: JobStatusView['status'],
  reservationId: string | null = null,
  attempt: number | null = null,
) => ({ status, reservationId, attempt, startedAt: null, finishedAt: null }) satisfies JobStatusView;
const T0 = '2026-12-07T10:00:00.400Z';
const T1 = '2026-12-07T10:01:36.300Z';
const T2 = '2026-12-07T10:01:37.100Z';
const started = (reservationId: string, startedAt = T0): JobStatusInput => ({
  kind: 'started',
  reservationId,
  startedAt,
});
const nodes = [{ cluster: 'local', node: 'gpu-1', gpus: 8 }];
const matched = (reservationId: string, attempt: number): JobStatusInput => ({
  kind: 'matched',
  reservationId,
  attempt,
  allocation: nodes,
  pricePerGpuHourMicros: '2300000',
});
const placement = (reservationId: string, attempt: number) => ({
  reservationId,
  attempt,
  allocation: nodes,
  pricePerGpuHourMicros: '2300000',
});
const finished = (
  reservationId: string,
  outcome: 'succeeded' | 'failed',
  reason?: string,
  startedAt: string | null = T0,
): JobStatusInput => ({
  kind: 'finished',
  reservationId,
  ...(startedAt === null ? {} : { startedAt }),
  finishedAt: T1,
  outcome,
  reason,
});

describe('jobStatusChange', () => {
  it.each<[string, JobStatusView, JobStatusInput, JobStatusChange | undefined]>([
    [
      'a match places a queued job',
      job('queued'),
      matched(R1, 0),
      {
        status: 'matched',
        reason: null,
        placement: placement(R1, 0),
        entry: { event: 'matched', detail: '1 node(s), attempt 0' },
      },
    ],
    [
      'a match seen after its own start keeps the job running',
      job('running', R1),
      matched(R1, 0),
      {
        reason: null,
        placement: placement(R1, 0),
        entry: { event: 'matched', detail: '1 node(s), attempt 0' },
      },
    ],
    [
      'a newer placement moves a failed job on (failover)',
      job('failed', R1, 0),
      matched(R2, 1),
      {
        status: 'matched',
        reason: null,
        placement: placement(R2, 1),
        entry: { event: 'matched', detail: '1 node(s), attempt 1' },
      },
    ],
    ['an older attempt arriving late changes nothing', job('matched', R2, 1), matched(R1, 0), undefined],
    [
      'a cancelled job stays cancelled when a match arrives',
      job('cancelled'),
      matched(R1, 0),
      {
        reason: null,
        placement: placement(R1, 0),
        entry: { event: 'matched', detail: '1 node(s), attempt 0' },
      },
    ],
    [
      'unmatched records the reasons of a queued job',
      job('queued'),
      { kind: 'unmatched', reasons: 'gpu-product excludes 3 node(s)' },
      { reason: 'gpu-product excludes 3 node(s)', entry: { event: 'unmatched' } },
    ],
    [
      'unmatched after a match changes nothing',
      job('matched', R1, 0),
      { kind: 'unmatched', reasons: 'x' },
      undefined,
    ],
    [
      'unmatched after its node was lost: failed over and waiting again',
      { ...job('failed', R1, 1), reason: 'node-lost' },
      { kind: 'unmatched', reasons: 'network excludes 2 node(s)', attempt: 1 },
      { status: 'queued', reason: 'network excludes 2 node(s)', entry: { event: 'unmatched' } },
    ],
    [
      'a late unmatched of an attempt before the lost one changes nothing',
      { ...job('failed', R1, 1), reason: 'node-lost' },
      { kind: 'unmatched', reasons: 'x', attempt: 0 },
      undefined,
    ],
    [
      'unmatched of a job that failed by itself changes nothing',
      { ...job('failed', R1, 1), reason: 'error' },
      { kind: 'unmatched', reasons: 'x', attempt: 1 },
      undefined,
    ],
    [
      'expiry ends a queued job',
      job('queued'),
      { kind: 'expired' },
      { status: 'expired', entry: { event: 'expired' } },
    ],
    ['expiry of a placed job changes nothing', job('running', R1, 0), { kind: 'expired' }, undefined],
    [
      'a start before its match runs the job and records the placement',
      job('queued'),
      started(R1),
      { status: 'running', reservationId: R1, run: { startedAt: T0 }, entry: { event: 'running' } },
    ],
    [
      'a start of the current placement runs the job',
      job('matched', R1, 0),
      started(R1),
      { status: 'running', run: { startedAt: T0 }, entry: { event: 'running' } },
    ],
    [
      'a start after the end only joins the timeline',
      { ...job('succeeded', R1, 0), startedAt: T0, finishedAt: T1 },
      started(R1),
      { entry: { event: 'running' } },
    ],
    ['a start of an older placement changes nothing', job('matched', R2, 1), started(R1), undefined],
    [
      'success ends the job',
      job('running', R1, 0),
      finished(R1, 'succeeded'),
      {
        status: 'succeeded',
        reason: null,
        run: { startedAt: T0, finishedAt: T1 },
        entry: { event: 'succeeded', detail: undefined },
      },
    ],
    [
      "the end's own start time is the one metered, over the started event's",
      { ...job('running', R1, 0), startedAt: T2 },
      finished(R1, 'succeeded'),
      {
        status: 'succeeded',
        reason: null,
        run: { startedAt: T0, finishedAt: T1 },
        entry: { event: 'succeeded', detail: undefined },
      },
    ],
    [
      'a second end of the same placement keeps the first end time',
      { ...job('succeeded', R1, 0), startedAt: T0, finishedAt: T2 },
      finished(R1, 'succeeded'),
      { status: 'succeeded', reason: null, entry: { event: 'succeeded', detail: undefined } },
    ],
    [
      'a workload that never ran ends without a start time',
      job('matched', R1, 0),
      finished(R1, 'failed', 'image-pull', null),
      {
        status: 'failed',
        reason: 'image-pull',
        run: { startedAt: null, finishedAt: T1 },
        entry: { event: 'failed', detail: 'image-pull' },
      },
    ],
    [
      'a second start of the running placement keeps the first start time',
      { ...job('running', R1, 0), startedAt: T0 },
      started(R1, T2),
      { entry: { event: 'running' } },
    ],
    [
      'a newer placement clears the earlier run times',
      { ...job('failed', R1, 0), reason: 'node-lost', startedAt: T0, finishedAt: T1 },
      matched(R2, 1),
      {
        status: 'matched',
        reason: null,
        placement: placement(R2, 1),
        run: { startedAt: null, finishedAt: null },
        entry: { event: 'matched', detail: '1 node(s), attempt 1' },
      },
    ],
    [
      'a match seen after its own start keeps the run times',
      { ...job('running', R1), startedAt: T0 },
      matched(R1, 0),
      {
        reason: null,
        placement: placement(R1, 0),
        entry: { event: 'matched', detail: '1 node(s), attempt 0' },
      },
    ],
    [
      'a lost node fails the job (until matching places it again)',
      job('running', R1, 0),
      finished(R1, 'failed', 'node-lost'),
      {
        status: 'failed',
        reason: 'node-lost',
        run: { startedAt: T0, finishedAt: T1 },
        entry: { event: 'failed', detail: 'node-lost' },
      },
    ],
    [
      'preempted work waits again',
      job('running', R1, 0),
      finished(R1, 'failed', 'preempted'),
      {
        status: 'queued',
        reason: 'preempted',
        run: { startedAt: T0, finishedAt: T1 },
        entry: { event: 'queued', detail: 'preempted' },
      },
    ],
    [
      'an older placement ending only joins the timeline',
      job('running', R2, 1),
      finished(R1, 'failed', 'node-lost'),
      { entry: { event: 'earlier placement failed', detail: 'node-lost' } },
    ],
    [
      'a rejected hold fails the job',
      job('matched', R1, 0),
      { kind: 'hold-rejected', reservationId: R1 },
      {
        status: 'failed',
        reason: 'insufficient-credit',
        entry: { event: 'failed', detail: 'insufficient credit for the hold' },
      },
    ],
    [
      'a rejected hold after success changes nothing',
      job('succeeded', R1, 0),
      { kind: 'hold-rejected', reservationId: R1 },
      undefined,
    ],
    [
      'a rejected hold of an older placement changes nothing',
      job('running', R2, 1),
      { kind: 'hold-rejected', reservationId: R1 },
      undefined,
    ],
    [
      'cancelling a queued job cancels it at once',
      job('queued'),
      { kind: 'cancel-requested' },
      { status: 'cancelled', entry: { event: 'cancel-requested' } },
    ],
    [
      'cancelling a running job waits for its workload to stop',
      job('running', R1, 0),
      { kind: 'cancel-requested' },
      { entry: { event: 'cancel-requested' } },
    ],
    ['an ended job cannot be cancelled', job('succeeded', R1, 0), { kind: 'cancel-requested' }, undefined],
  ])('%s', (_name, view, input, change) => {
    expect(jobStatusChange(view, input)).toEqual(change);
  });
});

describe('finishedStatus', () => {
  it.each<[string, 'succeeded' | 'failed', string | undefined, string]>([
    ['success', 'succeeded', undefined, 'succeeded'],
    ['cancelled', 'failed', 'cancelled', 'cancelled'],
    ['preempted: queued again', 'failed', 'preempted', 'queued'],
    ['any other failure', 'failed', 'image-pull', 'failed'],
  ])('%s', (_name, outcome, reason, status) => {
    expect(finishedStatus(outcome, reason)).toBe(status);
  });
});
