import { judgeBenchmark, reverificationDue } from './verification';

describe('judgeBenchmark', () => {
  it.each([
    ['an H100 node at its reference', 'NVIDIA-H100-80GB-HBM3', 8, 8000, 'verified'],
    ['an H100 node exactly 15 % below', 'NVIDIA-H100-80GB-HBM3', 8, 6800, 'verified'],
    ['an H100 node just over 15 % below', 'NVIDIA-H100-80GB-HBM3', 8, 6792, 'failed'],
    ['an "H100" that is really an A100', 'NVIDIA-H100-80GB-HBM3', 8, 3200, 'failed'],
    ['an 8-GPU node with two dead GPUs', 'NVIDIA-A100-SXM4-80GB', 8, 2400, 'failed'],
    ['a 4090 faster than its reference', 'NVIDIA-GeForce-RTX-4090', 1, 260, 'verified'],
    ['a 3090 Ti slightly slow but within 15 %', 'NVIDIA-GeForce-RTX-3090-Ti', 2, 190, 'verified'],
    ['a node that scored nothing', 'NVIDIA-RTX-A6000', 8, 0, 'failed'],
  ])('%s → %s', (_name, product, gpus, score, status) => {
    expect(judgeBenchmark(product, gpus, score).status).toBe(status);
  });

  it('says why a node failed', () => {
    expect(judgeBenchmark('NVIDIA-H100-80GB-HBM3', 8, 3200)).toEqual({
      status: 'failed',
      scorePerGpu: 400,
      referencePerGpu: 1000,
      reason: 'scored 400 per GPU, 60 % below the NVIDIA-H100-80GB-HBM3 reference of 1000',
    });
  });

  it.each([
    ['an unknown product', 'Voodoo2', 1, 100, /INVENTORY.UNKNOWN_GPU_PRODUCT/],
    ['zero GPUs', 'NVIDIA-RTX-A6000', 0, 100, /INVENTORY.INVALID_GPU_COUNT/],
    ['a negative score', 'NVIDIA-RTX-A6000', 1, -5, /INVENTORY.INVALID_SCORE/],
    ['a score that is not a number', 'NVIDIA-RTX-A6000', 1, Number.NaN, /INVENTORY.INVALID_SCORE/],
  ])('rejects %s', (_name, product, gpus, score, error) => {
    expect(() => judgeBenchmark(product, gpus, score)).toThrow(error);
  });
});

describe('reverificationDue', () => {
  const day = 24 * 3600 * 1000;
  it.each([
    ['never verified', undefined, true],
    ['verified 6 days ago', -6 * day, false],
    ['verified exactly 7 days ago', -7 * day, true],
    ['verified 8 days ago', -8 * day, true],
  ])('%s → %s', (_name, offset, due) => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(reverificationDue(offset === undefined ? undefined : now + offset, now, 7 * day)).toBe(due);
  });
});
