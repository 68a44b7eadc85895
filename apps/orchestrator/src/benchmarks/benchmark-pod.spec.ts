import { V1Pod } from '@kubernetes/client-node';
import { benchmarkResult } from './benchmark-pod';

const finished = (phase: string, terminated: Record<string, unknown>): V1Pod => ({
  status: {
    phase,
    containerStatuses: [
      {
        name: 'benchmark',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, ...terminated } },
      },
    ],
  },
});

describe('benchmarkResult', () => {
  it.each<[string, V1Pod, unknown]>([
    ['a running pod', { status: { phase: 'Running' } }, undefined],
    ['a score', finished('Succeeded', { message: '{"score": 8096}' }), { outcome: 'measured', score: 8096 }],
    ['a zero score', finished('Succeeded', { message: '{"score": 0}' }), { outcome: 'measured', score: 0 }],
    [
      'garbage',
      finished('Succeeded', { message: 'Segmentation fault' }),
      { outcome: 'failed', detail: 'benchmark reported no score: "Segmentation fault"' },
    ],
    [
      'a fractional score',
      finished('Succeeded', { message: '{"score": 1.5}' }),
      { outcome: 'failed', detail: 'benchmark reported no score: "{\\"score\\": 1.5}"' },
    ],
    [
      'a failed pod',
      finished('Failed', { reason: 'OOMKilled' }),
      { outcome: 'failed', detail: 'benchmark failed: OOMKilled' },
    ],
  ])('%s', (_name, pod, expected) => {
    expect(benchmarkResult(pod)).toEqual(expected);
  });
});
