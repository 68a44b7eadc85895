import { Writable } from 'node:stream';
import { withCorrelation } from './correlation-context';
import { JsonLogger } from './json-logger';

function capture(): { logger: JsonLogger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = new JsonLogger('billing', 'debug', stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
  };
}

describe('JsonLogger', () => {
  it.each([
    [
      'a Nest log with context',
      (l: JsonLogger) => l.log('ready', 'Bootstrap'),
      { level: 'info', msg: 'ready', context: 'Bootstrap' },
    ],
    [
      'an error with stack and context',
      (l: JsonLogger) => l.error('boom', 'Error: boom\n at x', 'Relay'),
      { level: 'error', msg: 'boom', stack: 'Error: boom\n at x', context: 'Relay' },
    ],
    [
      'an object message',
      (l: JsonLogger) => l.warn({ msg: 'slow', ms: 12 }),
      { level: 'warn', msg: 'slow', ms: 12 },
    ],
    ['a debug line', (l: JsonLogger) => l.debug('detail'), { level: 'debug', msg: 'detail' }],
  ])('writes %s as one JSON line with the service name', (_name, write, expected) => {
    const { logger, lines } = capture();
    write(logger);
    expect(lines()).toEqual([
      expect.objectContaining({ ...expected, service: 'billing', time: expect.any(String) }),
    ]);
  });

  it('adds the correlation ids of the request or event being handled', async () => {
    const { logger, lines } = capture();
    await withCorrelation({ correlationId: 'req-42', causationId: 'evt-7' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.log('inside');
    });
    logger.log('outside');
    const [inside, outside] = lines();
    expect(inside).toMatchObject({ msg: 'inside', correlationId: 'req-42', causationId: 'evt-7' });
    expect(outside.correlationId).toBeUndefined();
  });
});
