import { imageRefusal, imageRegistry } from './image-policy';

describe('image policy', () => {
  it.each<[string, string]>([
    ['registry.gridex.io/acme/train:1', 'registry.gridex.io'],
    ['localhost:5000/x', 'localhost:5000'],
    ['ubuntu:22.04', 'docker.io'],
    ['library/ubuntu', 'docker.io'],
    ['ghcr.io/org/img@sha256:abc', 'ghcr.io'],
  ])('%s comes from %s', (image, registry) => {
    expect(imageRegistry(image)).toBe(registry);
  });

  it.each<[string, string | undefined]>([
    ['registry.gridex.io/acme/train:1', undefined],
    ['ubuntu:22.04', 'image registry docker.io is not allowed (allowed: registry.gridex.io)'],
    [
      'evil.example.com/miner:latest',
      'image registry evil.example.com is not allowed (allowed: registry.gridex.io)',
    ],
    ['bad image', 'image reference "bad image" is malformed'],
  ])('%s → %s', (image, refusal) => {
    expect(imageRefusal(image, ['registry.gridex.io'])).toBe(refusal);
  });
});
