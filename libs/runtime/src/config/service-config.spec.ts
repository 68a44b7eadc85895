import { z } from 'zod';
import { baseConfigSchema, InvalidConfigurationError, parseServiceConfig } from './service-config';

const schema = baseConfigSchema({ port: 8084, schema: 'billing' });
const valid = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  DATABASE_URL: 'postgres://gridex:secret@127.0.0.1:55432/gridex',
};

describe('service configuration', () => {
  it('applies defaults and parses values', () => {
    expect(
      parseServiceConfig('billing', schema, { ...valid, PORT: '9000', KAFKA_BROKERS: 'a:1, b:2' }),
    ).toMatchObject({
      PORT: 9000,
      HTTP_HOST: '127.0.0.1',
      KAFKA_BROKERS: ['a:1', 'b:2'],
      DATABASE_SCHEMA: 'billing',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 25000,
    });
  });

  it.each([
    [
      'a port that is not a number',
      { PORT: 'eighty' },
      /PORT: must be a whole number from 1 to 65535 \(got "eighty"\)/,
    ],
    ['a port out of range', { PORT: '70000' }, /PORT: must be a whole number/],
    ['missing brokers', { KAFKA_BROKERS: undefined }, /KAFKA_BROKERS: is required .* \(not set\)/],
    [
      'brokers without ports',
      { KAFKA_BROKERS: 'kafka' },
      /KAFKA_BROKERS: must be a comma-separated list of host:port/,
    ],
    ['missing database URL', { DATABASE_URL: undefined }, /DATABASE_URL: is required/],
    [
      'a MySQL URL, password hidden',
      { DATABASE_URL: 'mysql://u:hunter2@h/db' },
      /DATABASE_URL: must be postgres.*got "mysql:\/\/u:\*\*\*@h\/db"/,
    ],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL: Invalid option/],
    ['an upper-case schema', { DATABASE_SCHEMA: 'Billing' }, /DATABASE_SCHEMA: must be lower-case/],
  ])('rejects %s, naming the variable', (_name, patch, message) => {
    const env = Object.fromEntries(
      Object.entries({ ...valid, ...patch }).filter(([, value]) => value !== undefined),
    );
    expect(() => parseServiceConfig('billing', schema, env)).toThrow(InvalidConfigurationError);
    expect(() => parseServiceConfig('billing', schema, env)).toThrow(message);
  });

  it('lists every problem at once, so one restart is enough to fix them', () => {
    try {
      parseServiceConfig('billing', schema, { PORT: 'x' });
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as InvalidConfigurationError).problems.map((p) => p.split(':')[0])).toEqual([
        'PORT',
        'KAFKA_BROKERS',
        'DATABASE_URL',
      ]);
    }
  });

  it('lets a service add its own settings', () => {
    const extended = schema.extend({ MARGIN_BASIS_POINTS: z.coerce.number().int().min(0) });
    expect(() => parseServiceConfig('billing', extended, { ...valid, MARGIN_BASIS_POINTS: '-5' })).toThrow(
      /MARGIN_BASIS_POINTS/,
    );
  });
});

describe('service configuration of another exchange on a shared stack (GRIDEX_INSTANCE)', () => {
  /** The config module as a process started with this GRIDEX_INSTANCE loads it. */
  function loadedWith(instance: string) {
    const before = process.env.GRIDEX_INSTANCE;
    process.env.GRIDEX_INSTANCE = instance;
    try {
      let loaded: typeof import('./service-config') | undefined;
      jest.isolateModules(() => {
        loaded = jest.requireActual<typeof import('./service-config')>('./service-config');
      });
      return loaded as typeof import('./service-config');
    } finally {
      if (before === undefined) delete process.env.GRIDEX_INSTANCE;
      else process.env.GRIDEX_INSTANCE = before;
    }
  }

  it("names its schema and consumer group after the instance, and validates the instance's name", () => {
    const peer = loadedWith('peer');
    const peerSchema = peer.baseConfigSchema({ port: 8084, schema: 'billing' });
    expect(
      peer.parseServiceConfig('billing', peerSchema, { ...valid, GRIDEX_INSTANCE: 'peer' }),
    ).toMatchObject({
      DATABASE_SCHEMA: 'peer_billing',
      KAFKA_CONSUMER_GROUP: 'gridex-peer-billing',
    });
    // The default instance keeps the plain names.
    expect(parseServiceConfig('billing', schema, valid)).toMatchObject({
      DATABASE_SCHEMA: 'billing',
      KAFKA_CONSUMER_GROUP: 'gridex-billing',
    });
    // An instance named only in a file, not in the process environment, would leave the topics the default's.
    expect(() => parseServiceConfig('billing', schema, { ...valid, GRIDEX_INSTANCE: 'peer' })).toThrow(
      /GRIDEX_INSTANCE: must come from the process environment/,
    );
    expect(() => loadedWith('Peer!')).toThrow(/GRIDEX_INSTANCE must be 1 to 12 lower-case letters/);
  });
});
