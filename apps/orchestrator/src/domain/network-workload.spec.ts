import { ExternalJob } from '@gridex/networks';
import { NetworkWorkloadFacts, networkWorkloadStatus, pendingPlacementStatus } from './network-workload';

const placedAt = new Date('2026-12-07T10:00:00.000Z');
const at = (seconds: number) => new Date(placedAt.getTime() + seconds * 1000);
const limits = { startTimeoutMs: 120_000, silenceLimitMs: 60_000 };

function facts(job: Partial<ExternalJob> | undefined, nowSeconds: number, lastAnswerSeconds = nowSeconds) {
  return {
    networkId: 'peer-b',
    job: job ? { externalJobId: 'job-1', status: 'queued', ...job } : undefined,
    nodeNames: ['b/h100-1', 'b/h100-2'],
    placedAt,
    lastAnswerAt: at(lastAnswerSeconds),
    now: at(nowSeconds),
  } as NetworkWorkloadFacts;
}

describe('a workload on another network, from its answers', () => {
  it.each<[string, NetworkWorkloadFacts, Record<string, unknown>]>([
    ['waiting there, within the start timeout', facts({ status: 'queued' }, 30), { phase: 'scheduled' }],
    [
      'running, from when the network says it started',
      facts({ status: 'running', startedAt: at(5).toISOString() }, 30),
      { phase: 'running', startedAt: at(5) },
    ],
    [
      'succeeded, with the network’s times',
      facts({ status: 'succeeded', startedAt: at(5).toISOString(), finishedAt: at(65).toISOString() }, 70),
      { phase: 'succeeded', startedAt: at(5), finishedAt: at(65) },
    ],
    [
      'failed by its own exit code: passed through, not retried',
      facts(
        {
          status: 'failed',
          reason: 'error',
          startedAt: at(5).toISOString(),
          finishedAt: at(9).toISOString(),
        },
        10,
      ),
      { phase: 'failed', reason: 'error', finishedAt: at(9) },
    ],
    [
      'failed by the network: lost, on every node of the allocation',
      facts({ status: 'failed', reason: 'node-lost', startedAt: at(5).toISOString() }, 10),
      { phase: 'failed', reason: 'node-lost', failedNodes: ['b/h100-1', 'b/h100-2'] },
    ],
    [
      'cancelled there without Gridex asking: lost',
      facts({ status: 'cancelled' }, 10),
      { phase: 'failed', reason: 'node-lost', detail: 'network peer-b ended the job (cancelled)' },
    ],
    [
      'not started within the start timeout: lost',
      facts({ status: 'queued' }, 121),
      {
        phase: 'failed',
        reason: 'node-lost',
        detail: expect.stringContaining('did not start the job within 120 s'),
      },
    ],
    ['no answer this time, the network answered 30 s ago', facts(undefined, 40, 10), { phase: 'scheduled' }],
    [
      'no answer for longer than the silence limit: lost',
      facts(undefined, 75, 10),
      {
        phase: 'failed',
        reason: 'node-lost',
        detail: expect.stringContaining('did not answer about the job for 65 s'),
      },
    ],
  ])('%s', (_case, input, expected) => {
    expect(networkWorkloadStatus(input, limits)).toMatchObject(expected);
  });
});

describe('a placement whose outcome was not known, asked again', () => {
  it.each<[string, 'not-placed' | 'unknown', number, Record<string, unknown> | undefined]>([
    ['still no answer, within the start timeout: asked again later', 'unknown', 60, undefined],
    [
      'still no answer past the start timeout: lost',
      'unknown',
      121,
      {
        phase: 'failed',
        reason: 'node-lost',
        detail: expect.stringContaining('did not answer the placement'),
      },
    ],
    [
      'the network says no: lost at once',
      'not-placed',
      5,
      { phase: 'failed', reason: 'node-lost', failedNodes: ['b/h100-1', 'b/h100-2'] },
    ],
  ])('%s', (_case, kind, nowSeconds, expected) => {
    const status = pendingPlacementStatus(
      { kind, reason: 'timeout' },
      { networkId: 'peer-b', nodeNames: ['b/h100-1', 'b/h100-2'], placedAt, now: at(nowSeconds) },
      limits,
    );
    if (expected === undefined) expect(status).toBeUndefined();
    else expect(status).toMatchObject(expected);
  });
});
