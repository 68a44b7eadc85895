import { retriable } from './kube-calls';
import { alreadyExists } from './kubernetes-client';

/** A failed call as client-node 1.x reports it: the status code, and the Status as the response text. */
const failed = (code: number, reason?: string) => ({
  code,
  body: reason === undefined ? '' : JSON.stringify({ kind: 'Status', status: 'Failure', reason, code }),
});

describe('retriable', () => {
  it.each<[string, unknown, boolean]>([
    ['throttled', { code: 429 }, true],
    ['server error', { code: 503 }, true],
    ['already exists', failed(409, 'AlreadyExists'), false],
    ['conflict over the quota while creating', failed(409, 'Conflict'), true],
    ['409 without a Status', failed(409), false],
    ['not found', { code: 404 }, false],
    ['forbidden (quota)', { code: 403 }, false],
    ['no answer', new Error('socket hang up'), true],
  ])('%s', (_name, error, expected) => {
    expect(retriable(error)).toBe(expected);
  });
});

describe('alreadyExists', () => {
  it.each<[string, unknown, boolean]>([
    ['already exists', failed(409, 'AlreadyExists'), true],
    ['the body already parsed', { code: 409, body: { reason: 'AlreadyExists' } }, true],
    ['conflict: nothing was created', failed(409, 'Conflict'), false],
    ['409 without a Status', failed(409), false],
    ['not found', failed(404, 'NotFound'), false],
    ['no answer', new Error('socket hang up'), false],
  ])('%s', (_name, error, expected) => {
    expect(alreadyExists(error)).toBe(expected);
  });
});
