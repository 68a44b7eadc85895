import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { createEvent, defineEvent } from '@gridex/contracts';
import {
  createTopics,
  dropSchema,
  eventually,
  freePort,
  launchService,
  messageCount,
  ServiceProcess,
  stackEnv,
  testKafka,
  uniqueSuffix,
} from '@gridex/testing';
import { z } from 'zod';

const SERVICES = ['gateway', 'inventory', 'matching', 'orchestrator', 'billing', 'rewards'] as const;

// An event the test leaves in a service's outbox, to see that nothing committed is left behind at exit.
const Leftover = defineEvent({
  domain: 'test',
  name: `leftover-${uniqueSuffix()}`,
  version: 1,
  description: 'test event',
  payload: z.strictObject({ service: z.string() }),
  partitionKey: (payload) => payload.service,
});

describe('every service process', () => {
  const kafka = testKafka();
  const started: ServiceProcess[] = [];
  const schemas: string[] = [];

  beforeAll(() => createTopics(kafka, [Leftover.topic], 1));
  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.kill()));
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  const start = async (service: string, overrides: Record<string, string> = {}) => {
    const launched = await launchService(service, overrides);
    started.push(launched.process);
    schemas.push(launched.schema);
    return launched;
  };

  it.each(SERVICES)(
    '%s starts, migrates its schema, reports ready, serves metrics and exits 0 on SIGTERM',
    async (service) => {
      const { process, url, schema } = await start(service);

      const ready = await eventually(async () => {
        const response = await fetch(`${url}/readyz`);
        expect(response.status).toBe(200);
        return response.json();
      });
      expect(ready).toEqual({
        status: 'ready',
        checks: { database: { status: 'up' }, kafka: { status: 'up' } },
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('process_cpu_user_seconds_total');
      // The orchestrator reports the cluster's nodes at start, so its outbox need not be empty at this moment.
      expect(metrics).toMatch(
        new RegExp(`gridex_${service}_outbox_pending_events\\{service="${service}"\\} \\d+`),
      );

      const correlated = await fetch(`${url}/healthz`, {
        headers: { 'x-correlation-id': 'req-lifecycle-1' },
      });
      expect(correlated.headers.get('x-correlation-id')).toBe('req-lifecycle-1');

      // The schema is the service's own, migrated at start: its outbox exists. Leave an event in it.
      const database = new Client({ connectionString: stackEnv().DATABASE_URL });
      await database.connect();
      const event = createEvent(Leftover, { service }, { correlationId: 'lifecycle', causationId: null });
      const before = await messageCount(kafka, Leftover.topic);
      await database.query(
        `INSERT INTO "${schema}".outbox (event_id, topic, partition_key, message) VALUES ($1, $2, $3, $4)`,
        [event.eventId, Leftover.topic, service, JSON.stringify(event)],
      );

      process.signal('SIGTERM');
      expect(await process.exited).toEqual({ code: 0, signal: null });

      const { rows } = await database.query(`SELECT count(*)::int AS pending FROM "${schema}".outbox`);
      await database.end();
      expect(rows[0].pending).toBe(0);
      expect(await messageCount(kafka, Leftover.topic)).toBe(before + 1);

      const logs = process.jsonLines();
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.every((line) => line.service === service && typeof line.level === 'string')).toBe(true);
      expect(logs.map((line) => line.msg)).toEqual(expect.arrayContaining(['received SIGTERM', 'stopped']));
    },
  );

  it.each([
    ['a port that is not a number', { PORT: 'http' }, /PORT: must be a whole number/],
    [
      'brokers without a port',
      { KAFKA_BROKERS: 'localhost' },
      /KAFKA_BROKERS: must be a comma-separated list of host:port/,
    ],
    ['an unknown log level', { LOG_LEVEL: 'chatty' }, /LOG_LEVEL/],
  ])('refuses to start with %s, naming the variable', async (_name, overrides, message) => {
    const { process } = await start('billing', overrides);
    expect(await process.exited).toEqual({ code: 1, signal: null });
    const fatal = process.jsonLines().find((line) => line.level === 'fatal');
    expect(fatal?.msg).toMatch(message);
  });

  it('refuses to start without a database URL', async () => {
    const { KAFKA_BROKERS } = stackEnv();
    // Started outside the checkout, so it cannot fall back on the stack's .stack/env.
    const process = new ServiceProcess(
      'matching',
      { KAFKA_BROKERS, PORT: String(await freePort()) },
      tmpdir(),
    );
    started.push(process);
    expect(await process.exited).toEqual({ code: 1, signal: null });
    expect(process.jsonLines().find((line) => line.level === 'fatal')?.msg).toMatch(
      /DATABASE_URL: is required/,
    );
  });
});
