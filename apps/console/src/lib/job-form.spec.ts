import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMPTY_JOB_FORM, JobForm, jobSpecFromForm, jobSpecSchemaOf, validateJobSpec } from './job-form';

// The document the gateway generates and the SDK ships: the same schema the API validates a job with.
const schema = jobSpecSchemaOf(
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../../libs/sdk/openapi.json'), 'utf8')),
);

const valid: JobForm = {
  ...EMPTY_JOB_FORM,
  name: 'train',
  image: 'ghcr.io/acme/train:1',
  gpuProducts: 'NVIDIA-H100-80GB-HBM3',
  gpusPerNode: '8',
  maxPricePerGpuHour: '3.50',
  expectedDurationSeconds: '600',
};

describe('the submit form against the API schema of a job', () => {
  it('turns a filled form into the spec the API takes, leaving empty optional fields out', () => {
    expect(
      jobSpecFromForm({
        ...valid,
        regions: 'eu-west, us-east',
        command: 'python\ntrain.py --epochs 3',
        annotations: 'team=vision\n example.com/run = 7 ',
      }),
    ).toEqual({
      name: 'train',
      image: 'ghcr.io/acme/train:1',
      gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
      gpusPerNode: 8,
      nodes: 1,
      regions: ['eu-west', 'us-east'],
      command: ['python', 'train.py --epochs 3'],
      maxPricePerGpuHour: '3.50',
      expectedDurationSeconds: 600,
      annotations: { team: 'vision', 'example.com/run': '7' },
      interruptible: false,
      networks: 'local',
    });
    expect(validateJobSpec(schema, jobSpecFromForm(valid))).toEqual([]);
  });

  it.each<[string, Partial<JobForm>, Array<{ field: string; message: RegExp }>]>([
    ['no image', { image: '' }, [{ field: 'image', message: /required/ }]],
    ['an image with ..', { image: 'evil/../x' }, [{ field: 'image', message: /not valid/ }]],
    ['17 GPUs per node', { gpusPerNode: '17' }, [{ field: 'gpusPerNode', message: /at most 16/ }]],
    ['0 GPUs per node', { gpusPerNode: '0' }, [{ field: 'gpusPerNode', message: /at least 1/ }]],
    ['half a GPU', { gpusPerNode: '0.5' }, [{ field: 'gpusPerNode', message: /whole number/ }]],
    [
      'a price with a comma',
      { maxPricePerGpuHour: '3,50' },
      [{ field: 'maxPricePerGpuHour', message: /not valid/ }],
    ],
    ['no price', { maxPricePerGpuHour: '' }, [{ field: 'maxPricePerGpuHour', message: /required/ }]],
    [
      'a region in capitals',
      { regions: 'EU-West' },
      [{ field: 'regions', message: /"EU-West" is not valid/ }],
    ],
    [
      '31 days',
      { expectedDurationSeconds: '2678400' },
      [{ field: 'expectedDurationSeconds', message: /at most 2592000/ }],
    ],
    ['600 nodes', { nodes: '600' }, [{ field: 'nodes', message: /at most 512/ }]],
    [
      'an unknown interconnect',
      { interconnect: 'ethernet' },
      [{ field: 'interconnect', message: /one of nvlink/ }],
    ],
  ])('refuses %s, naming the field as the API would', (_case, change, expected) => {
    const errors = validateJobSpec(schema, jobSpecFromForm({ ...valid, ...change }));
    expect(errors).toEqual(
      expected.map(({ field, message }) => ({ field, message: expect.stringMatching(message) })),
    );
  });

  it('refuses a field the API does not know', () => {
    expect(validateJobSpec(schema, { ...jobSpecFromForm(valid), gpus: 8 })).toEqual([
      { field: 'gpus', message: 'is not a field of a job' },
    ]);
  });
});
