import { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import { createEvent, deadLetterTopic, defineEvent, EventEnvelope, uuidv7 } from '@gridex/contracts';
import { ServiceMetrics } from '@gridex/observability';
import { openServiceDataSource, qualified } from '@gridex/persistence';
import {
  createTopics,
  dropSchema,
  eventually,
  messageCount,
  readMessages,
  stackEnv,
  testKafka,
  testPublisher,
  testSchemaName,
  uniqueSuffix,
} from '@gridex/testing';
import { messagingMigrations } from './database/messaging-migrations';
import { DeadLetterHeaders } from './dead-letter/dead-letter-headers';
import { EventHandler, RejectedEventError } from './inbox/event-handler';
import { InboxConsumer } from './inbox/inbox-consumer';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxWriter } from './outbox/outbox-writer';

// A probe event on a topic of this test file's own, so parallel test files never share a topic.
const Probe = defineEvent({
  domain: 'test',
  name: `probe-${uniqueSuffix()}`,
  version: 1,
  description: 'test probe',
  payload: z.strictObject({ probeId: z.string(), behaviour: z.enum(['ok', 'fail-always', 'reject']) }),
  partitionKey: (payload) => payload.probeId,
});
type ProbePayload = z.infer<typeof Probe.payloadSchema>;

class CreateProbeTables1764316800001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    // Deliberately no unique constraint: a second effect of one event must be visible, not prevented here.
    await queryRunner.query(
      `CREATE TABLE ${qualified(schema, 'effects')} (event_id uuid NOT NULL, probe_id text NOT NULL)`,
    );
    await queryRunner.query(`CREATE TABLE ${qualified(schema, 'probes')} (probe_id text PRIMARY KEY)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE ${qualified(schema, 'probes')}, ${qualified(schema, 'effects')}`);
  }
}

/**
 * Records one effect row per handled event; fails or rejects on request. After each commit it looks, on another
 * connection, for the effects of the events it was told about: what it saw is in `afterCommitSaw`.
 */
class ProbeEffectHandler implements EventHandler<ProbePayload> {
  readonly name = 'test.record-effect';
  readonly contract = Probe;
  attempts = new Map<string, number>();
  readonly afterCommitSaw: Array<Promise<{ eventId: string; effects: number }>> = [];
  constructor(
    private readonly schema: string,
    private readonly dataSource?: DataSource,
  ) {}

  afterCommit(events: ReadonlyArray<EventEnvelope<ProbePayload>>): void {
    for (const { eventId } of events) {
      const effects = this.dataSource?.query(
        `SELECT count(*)::int AS n FROM ${qualified(this.schema, 'effects')} WHERE event_id = $1`,
        [eventId],
      );
      this.afterCommitSaw.push(Promise.resolve(effects).then((rows) => ({ eventId, effects: rows?.[0]?.n })));
    }
  }

  async handle(event: EventEnvelope<ProbePayload>, tx: EntityManager): Promise<void> {
    this.attempts.set(event.payload.probeId, (this.attempts.get(event.payload.probeId) ?? 0) + 1);
    if (event.payload.behaviour === 'fail-always') throw new Error('downstream unavailable');
    if (event.payload.behaviour === 'reject')
      throw new RejectedEventError('probe asked to be rejected', 'TEST.REJECTED');
    await tx.query(`INSERT INTO ${qualified(this.schema, 'effects')} (event_id, probe_id) VALUES ($1, $2)`, [
      event.eventId,
      event.payload.probeId,
    ]);
  }
}

describe('exactly-once in effect over real Kafka and PostgreSQL', () => {
  const schema = testSchemaName('msg');
  const kafka = testKafka();
  const endpoint = {
    brokers: stackEnv().KAFKA_BROKERS.split(','),
    clientId: `exactly-once-${uniqueSuffix()}`,
  };
  const metrics = new ServiceMetrics('test', { defaultMetrics: false });
  let dataSource: DataSource;
  let writer: OutboxWriter;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    dataSource = await openServiceDataSource({
      url: stackEnv().DATABASE_URL,
      schema,
      migrations: [...messagingMigrations, CreateProbeTables1764316800001],
    });
    writer = new OutboxWriter(schema);
    await createTopics(kafka, [Probe.topic], 3);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((component) => component.stop()));
  });

  afterAll(async () => {
    await dataSource.destroy();
    await dropSchema(schema);
  });

  const probe = (probeId: string, behaviour: ProbePayload['behaviour'] = 'ok') =>
    createEvent(Probe, { probeId, behaviour }, { correlationId: `corr-${probeId}`, causationId: null });

  /** The business transaction: a state row and its event, committed together. */
  const commitProbe = (event: EventEnvelope<ProbePayload>, failAfterAppend = false) =>
    dataSource.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${qualified(schema, 'probes')} (probe_id) VALUES ($1)`, [
        event.payload.probeId,
      ]);
      await writer.append(tx, [{ contract: Probe, event }]);
      if (failAfterAppend) throw new Error('business rule failed after the event was written');
    });

  const startRelay = async () => {
    const relay = new OutboxRelay({
      dataSource,
      schema,
      kafka: endpoint,
      metrics,
      batchSize: 50,
      idlePollMs: 10,
    });
    await relay.start();
    running.push(relay);
    return relay;
  };

  const startConsumer = async (handler: ProbeEffectHandler, groupId = `group-${uniqueSuffix()}`) => {
    const consumer = new InboxConsumer({
      dataSource,
      schema,
      kafka: endpoint,
      metrics,
      groupId,
      handlers: [handler as EventHandler<unknown>],
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
    });
    await consumer.start();
    running.push(consumer);
    return consumer;
  };

  const effectsFor = async (probeIds: string[]) => {
    const rows: Array<{ probe_id: string; n: number }> = await dataSource.query(
      `SELECT probe_id, count(*)::int AS n FROM ${qualified(schema, 'effects')} WHERE probe_id = ANY($1) GROUP BY probe_id`,
      [probeIds],
    );
    return Object.fromEntries(rows.map((row) => [row.probe_id, row.n]));
  };
  const exactlyOnce = (probeIds: string[]) => Object.fromEntries(probeIds.map((id) => [id, 1]));

  it('commits the state change and its event together, or neither', async () => {
    const kept = probe(`kept-${uniqueSuffix()}`);
    const rolledBack = probe(`rolled-back-${uniqueSuffix()}`);
    await commitProbe(kept);
    await expect(commitProbe(rolledBack, true)).rejects.toThrow(/business rule failed/);

    const outbox: Array<{ event_id: string }> = await dataSource.query(
      `SELECT event_id FROM ${qualified(schema, 'outbox')} WHERE event_id = ANY($1)`,
      [[kept.eventId, rolledBack.eventId]],
    );
    const probes: Array<{ probe_id: string }> = await dataSource.query(
      `SELECT probe_id FROM ${qualified(schema, 'probes')} WHERE probe_id = ANY($1)`,
      [[kept.payload.probeId, rolledBack.payload.probeId]],
    );
    expect(outbox.map((row) => row.event_id)).toEqual([kept.eventId]);
    expect(probes.map((row) => row.probe_id)).toEqual([kept.payload.probeId]);
  });

  it('refuses to write to the outbox outside a transaction', async () => {
    await expect(
      writer.append(dataSource.manager, [{ contract: Probe, event: probe('loose') }]),
    ).rejects.toThrow(/inside the transaction/);
  });

  it('appends more events than one statement takes, all of them and in order', async () => {
    // 10,001 events: past the 10,000 rows (40,000 parameters) one INSERT carries.
    const events = Array.from({ length: 10_001 }, (_, i) => probe(`bulk-${i}-${uniqueSuffix()}`));
    await dataSource.transaction((tx) =>
      writer.append(
        tx,
        events.map((event) => ({ contract: Probe, event })),
      ),
    );
    const rows: Array<{ event_id: string }> = await dataSource.query(
      `SELECT event_id FROM ${qualified(schema, 'outbox')} WHERE event_id = ANY($1) ORDER BY position`,
      [events.map((event) => event.eventId)],
    );
    expect(rows.map((row) => row.event_id)).toEqual(events.map((event) => event.eventId));
    // Not for Kafka: the next tests' relays would publish them.
    await dataSource.query(`DELETE FROM ${qualified(schema, 'outbox')} WHERE event_id = ANY($1)`, [
      events.map((event) => event.eventId),
    ]);
  });

  it('delivers events committed while no relay ran (crash between commit and publish) exactly once', async () => {
    const events = Array.from({ length: 40 }, (_, i) => probe(`offline-${i}-${uniqueSuffix()}`));
    for (const event of events) await commitProbe(event);
    const ids = events.map((event) => event.payload.probeId);

    const handler = new ProbeEffectHandler(schema);
    await startConsumer(handler);
    await startRelay(); // the relay "restarts" and finds the committed, unpublished rows

    await eventually(async () => expect(await effectsFor(ids)).toEqual(exactlyOnce(ids)));
    const [{ pending }] = await dataSource.query(
      `SELECT count(*)::int AS pending FROM ${qualified(schema, 'outbox')}`,
    );
    expect(pending).toBe(0);
  });

  it('has one effect per event when a relay crash after publishing makes it publish again', async () => {
    // The relay cannot delete the rows it published: every batch it sends to Kafka is sent again on its next
    // try, exactly what a crash between Kafka's acknowledgement and the database commit causes.
    const outbox = qualified(schema, 'outbox');
    await dataSource.query(`
      CREATE FUNCTION "${schema}".crash_before_mark() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'relay crashed before deleting the published batch'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER crash_before_mark BEFORE DELETE ON ${outbox} FOR EACH ROW EXECUTE FUNCTION "${schema}".crash_before_mark()`,
    );
    const before = await messageCount(kafka, Probe.topic);
    const events = Array.from({ length: 10 }, (_, i) => probe(`republished-${i}-${uniqueSuffix()}`));
    for (const event of events) await commitProbe(event);
    const ids = events.map((event) => event.payload.probeId);

    const handler = new ProbeEffectHandler(schema);
    await startConsumer(handler);
    await startRelay();
    // Wait until the batch went out at least twice, then let the relay finish.
    await eventually(async () =>
      expect(await messageCount(kafka, Probe.topic)).toBeGreaterThanOrEqual(before + 20),
    );
    await dataSource.query(`DROP TRIGGER crash_before_mark ON ${outbox}`);

    await eventually(async () => {
      const [{ pending }] = await dataSource.query(`SELECT count(*)::int AS pending FROM ${outbox}`);
      expect(pending).toBe(0);
    });
    await eventually(async () => expect(await effectsFor(ids)).toEqual(exactlyOnce(ids)));
    // The handler saw duplicates arrive, but the inbox kept each from having a second effect.
    expect(await messageCount(kafka, Probe.topic)).toBeGreaterThanOrEqual(before + 20);
  });

  it('applies an event delivered twice once', async () => {
    const event = probe(`twice-${uniqueSuffix()}`);
    const producer = testPublisher(kafka);
    const message = { key: event.payload.probeId, value: JSON.stringify(event) };
    await producer.send(Probe.topic, [message, message]);
    await producer.close();

    const handler = new ProbeEffectHandler(schema);
    await startConsumer(handler);
    await eventually(async () =>
      expect(await effectsFor([event.payload.probeId])).toEqual(exactlyOnce([event.payload.probeId])),
    );
    // Delivered again later (another consumer group re-reading is the same for the inbox: same handler name).
    await startConsumer(handler);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await effectsFor([event.payload.probeId])).toEqual(exactlyOnce([event.payload.probeId]));
  });

  it('dead-letters poison messages with the reason and keeps consuming the ones behind them', async () => {
    const dlqBefore = await messageCount(kafka, deadLetterTopic(Probe.topic));
    const key = `poison-${uniqueSuffix()}`; // one key: every message lands on the same partition, in this order
    const good = [probe(key), probe(key), probe(key)];
    const badContract = { ...probe(key), payload: { probeId: key, behaviour: 'explode' } };
    const failing = probe(key, 'fail-always');
    const rejected = probe(key, 'reject');
    const producer = testPublisher(kafka);
    await producer.send(Probe.topic, [
      { key, value: JSON.stringify(good[0]) },
      { key, value: '{"not": json' },
      { key, value: JSON.stringify(badContract) },
      { key, value: JSON.stringify(good[1]) },
      { key, value: JSON.stringify(failing) },
      { key, value: JSON.stringify(rejected) },
      { key, value: JSON.stringify(good[2]) },
    ]);
    await producer.close();

    const handler = new ProbeEffectHandler(schema, dataSource);
    const groupId = `group-${uniqueSuffix()}`;
    await startConsumer(handler, groupId);

    const effects: Array<{ event_id: string }> = await eventually(async () => {
      const rows = await dataSource.query(
        `SELECT event_id FROM ${qualified(schema, 'effects')} WHERE probe_id = $1`,
        [key],
      );
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(effects.map((row) => row.event_id).sort()).toEqual(good.map((event) => event.eventId).sort());

    const dead = (await readMessages(kafka, deadLetterTopic(Probe.topic), dlqBefore + 4)).slice(dlqBefore);
    const header = (message: (typeof dead)[number], name: string) => message.headers.get(name)?.toString();
    expect(
      dead.map((message) => ({
        code: header(message, DeadLetterHeaders.code),
        attempts: header(message, DeadLetterHeaders.attempts),
        sourceTopic: header(message, DeadLetterHeaders.sourceTopic),
        group: header(message, DeadLetterHeaders.consumerGroup),
      })),
    ).toEqual([
      { code: 'MESSAGING.INVALID_MESSAGE', attempts: '1', sourceTopic: Probe.topic, group: groupId },
      { code: 'MESSAGING.INVALID_MESSAGE', attempts: '1', sourceTopic: Probe.topic, group: groupId },
      { code: 'MESSAGING.RETRIES_EXHAUSTED', attempts: '3', sourceTopic: Probe.topic, group: groupId },
      { code: 'MESSAGING.REJECTED', attempts: '1', sourceTopic: Probe.topic, group: groupId },
    ]);
    expect(header(dead[0], DeadLetterHeaders.reason)).toMatch(/not valid JSON/);
    expect(header(dead[1], DeadLetterHeaders.reason)).toMatch(/behaviour/);
    expect(header(dead[2], DeadLetterHeaders.reason)).toMatch(/downstream unavailable/);
    expect(header(dead[3], DeadLetterHeaders.reason)).toMatch(/TEST.REJECTED/);
    expect(dead[1].value?.toString()).toBe(JSON.stringify(badContract));
    expect(handler.attempts.get(key)).toBeGreaterThanOrEqual(3 + 3 + 1);
    // Told once about each event that committed, when its effect was already visible to others; never about
    // the ones rolled back.
    const saw = await Promise.all(handler.afterCommitSaw);
    expect(saw.sort((a, b) => a.eventId.localeCompare(b.eventId))).toEqual(
      good.map(({ eventId }) => ({ eventId, effects: 1 })).sort((a, b) => a.eventId.localeCompare(b.eventId)),
    );

    const text = await metrics.render();
    expect(text).toMatch(
      /gridex_test_dead_lettered_total\{topic="[^"]+",code="MESSAGING.INVALID_MESSAGE",service="test"\} [2-9]/,
    );
    expect(text).toMatch(
      /gridex_test_consumer_lag_messages\{topic="[^"]+",partition="\d+",service="test"\} 0/,
    );
  });

  it('gives every event a UUIDv7 id in the outbox and carries it in a header', async () => {
    const event = probe(`header-${uniqueSuffix()}`);
    const before = await messageCount(kafka, Probe.topic);
    await commitProbe(event);
    await startRelay();
    await eventually(async () => expect(await messageCount(kafka, Probe.topic)).toBe(before + 1));
    const messages = await readMessages(kafka, Probe.topic, before + 1);
    const published = messages.find(
      (message) => message.headers.get('gridex-event-id')?.toString() === event.eventId,
    );
    expect(JSON.parse(String(published?.value))).toEqual(event);
    expect(event.eventId).toMatch(/^[0-9a-f-]{14}7/);
    expect(uuidv7()).not.toBe(event.eventId);
  });
});
