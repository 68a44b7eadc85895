import { jobSpecFrom, parseArgs, UsageError } from './cli-args';

describe('gridex command line', () => {
  it.each<[string, string[], ReturnType<typeof parseArgs>]>([
    ['words only', ['jobs', 'list'], { words: ['jobs', 'list'], flags: {} }],
    [
      'a flag with a value',
      ['jobs', 'get', 'j1', '--limit', '5'],
      { words: ['jobs', 'get', 'j1'], flags: { limit: '5' } },
    ],
    ['flag=value', ['quote', '--gpus=8'], { words: ['quote'], flags: { gpus: '8' } }],
    [
      'a switch before another flag',
      ['invoices', 'get', 'x', '--csv', '--tenant', 't'],
      { words: ['invoices', 'get', 'x'], flags: { csv: true, tenant: 't' } },
    ],
    ['a trailing switch', ['quote', '--interruptible'], { words: ['quote'], flags: { interruptible: true } }],
    ['words after --', ['jobs', '--', '--not-a-flag'], { words: ['jobs', '--not-a-flag'], flags: {} }],
  ])('parses %s', (_case, argv, parsed) => {
    expect(parseArgs(argv)).toEqual(parsed);
  });

  it.each<[string, string[], Record<string, unknown>]>([
    [
      'a single-GPU job',
      ['--image', 'r/i:1', '--gpus', '1', '--max-price', '2.50'],
      { image: 'r/i:1', gpusPerNode: 1, maxPricePerGpuHour: '2.50' },
    ],
    [
      'a gang with lists, a switch and a simulated run time',
      [
        '--image',
        'r/t:2',
        '--gpus',
        '8',
        '--nodes',
        '2',
        '--gpu-products',
        'H100-80GB, H200',
        '--interruptible',
        '--run-for',
        '30s',
      ],
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
      'a command split into words',
      ['--image', 'i', '--gpus', '1', '--command', 'python train.py'],
      { image: 'i', gpusPerNode: 1, command: ['python', 'train.py'] },
    ],
  ])('builds the job spec of %s', (_case, argv, spec) => {
    expect(jobSpecFrom(parseArgs(argv).flags)).toEqual(spec);
  });

  it('lets flags override a spec file, keeping the rest of the file', () => {
    expect(jobSpecFrom(parseArgs(['--gpus', '4']).flags, { image: 'from-file', gpusPerNode: 1 })).toEqual({
      image: 'from-file',
      gpusPerNode: 4,
    });
  });

  it('refuses a count that is not a whole number', () => {
    expect(() => jobSpecFrom(parseArgs(['--gpus', 'eight']).flags)).toThrow(UsageError);
  });
});
