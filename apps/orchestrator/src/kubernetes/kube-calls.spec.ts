import { retriable } from './kube-calls';

describe('retriable', () => {
  it.each<[string, unknown, boolean]>([
    ['throttled', { code: 429 }, true],
    ['server error', { code: 503 }, true],
    ['conflict', { code: 409 }, false],
    ['not found', { code: 404 }, false],
    ['forbidden (quota)', { code: 403 }, false],
    ['no answer', new Error('socket hang up'), true],
  ])('%s', (_name, error, expected) => {
    expect(retriable(error)).toBe(expected);
  });
});
