import { jobSpecFrom, JobSpecOptions, UsageError } from './job-spec-options';

describe('a job spec from the command line', () => {
  it.each<[string, JobSpecOptions, string[], Record<string, unknown>]>([
    [
      'a single-GPU job',
      { image: 'r/i:1', gpus: '1', maxPrice: '2.50' },
      [],
      { image: 'r/i:1', gpusPerNode: 1, maxPricePerGpuHour: '2.50' },
    ],
    [
      'a gang with lists, a switch and a simulated run time',
      {
        image: 'r/t:2',
        gpus: '8',
        nodes: '2',
        gpuProducts: 'H100-80GB, H200',
        interruptible: true,
        runFor: '30s',
      },
      [],
      {
        image: 'r/t:2',
        gpusPerNode: 8,
        nodes: 2,
        gpuProducts: ['H100-80GB', 'H200'],
        interruptible: true,
        annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '30s' },
      },
    ],
    [
      'the command after --, as an argv array (an argument with spaces stays one)',
      { image: 'i', gpus: '1' },
      ['python', 'train.py', '--note', 'two words'],
      { image: 'i', gpusPerNode: 1, command: ['python', 'train.py', '--note', 'two words'] },
    ],
    [
      'the command with --command once per argument',
      { image: 'i', command: ['bash', '-c', 'echo a b'] },
      [],
      { image: 'i', command: ['bash', '-c', 'echo a b'] },
    ],
    ['networks: local', { networks: 'local' }, [], { networks: 'local' }],
    ['networks: a list of ids', { networks: 'peer-a, peer-b' }, [], { networks: ['peer-a', 'peer-b'] }],
  ])('%s', (_case, options, words, spec) => {
    expect(jobSpecFrom(options, words)).toEqual(spec);
  });

  it('lets options override a spec file, keeping the rest of the file', () => {
    expect(jobSpecFrom({ gpus: '4' }, [], { image: 'from-file', gpusPerNode: 1 })).toEqual({
      image: 'from-file',
      gpusPerNode: 4,
    });
  });

  it.each<[string, JobSpecOptions, string[], RegExp]>([
    ['a count that is not a whole number', { gpus: 'eight' }, [], /--gpus must be a whole number/],
    ['the command given twice', { command: ['a'] }, ['b'], /not both/],
  ])('refuses %s', (_case, options, words, message) => {
    expect(() => jobSpecFrom(options, words)).toThrow(UsageError);
    expect(() => jobSpecFrom(options, words)).toThrow(message);
  });
});
