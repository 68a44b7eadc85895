/**
 * Messaging benchmark: events per second and commit → effect latency through the whole exactly-once path
 * (business transaction + outbox row → relay → Kafka → inbox consumer → effect row), against the raw client's
 * (@platformatic/kafka) produce → consume of the same messages in the same run as the baseline.
 *
 *   npm run bench:messaging -- [--events 30000] [--events-per-transaction 10,1] [--writers 8]
 *
 * Prints a table and writes bench/results/messaging.json. Needs the local stack (`npm run stack:up`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Consumer } from '@platformatic/kafka';
import { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import { createEvent, defineEvent, EventEnvelope } from '@gridex/contracts';
import { KafkaEndpoint, MessagePublisher } from '@gridex/kafka-client';
import {
  messagingMigrations,
  EventHandler,
  InboxConsumer,
  OutboxRelay,
  OutboxWriter,
} from '@gridex/messaging';
import { ServiceMetrics } from '@gridex/observability';
import { openServiceDataSource, qualified } from '@gridex/persistence';
import { createTopics, dropSchema, stackEnv, uniqueSuffix, withAdmin } from '@gridex/testing';
import { percentile } from '../shared/measure';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '30000' },
    // The first value is the headline; each value is measured as its own scenario.
    'events-per-transaction': { type: 'string', default: '10,1' },
    writers: { type: 'string', default: '8' },
    partitions: { type: 'string', default: '12' },
  },
});
const TOTAL = Number(args.events);
const EVENTS_PER_TRANSACTION = args['events-per-transaction'].split(',').map(Number);
const WRITERS = Number(args.writers);
const PARTITIONS = Number(args.partitions);

const suffix = uniqueSuffix();
const benchPayloadSchema = z.strictObject({
  accountId: z.string(),
  sequence: z.number().int(),
  gpuSeconds: z.number().int(),
});
type BenchPayload = z.infer<typeof benchPayloadSchema>;

function benchEvent(scenario: string) {
  return defineEvent({
    domain: 'bench',
    name: `metered-${scenario.replace(/_/g, '-')}`,
    version: 1,
    description: 'benchmark event shaped like a small usage record',
    payload: benchPayloadSchema,
    partitionKey: (payload) => payload.accountId,
  });
}

function makeEvents(contract: ReturnType<typeof benchEvent>): Array<EventEnvelope<BenchPayload>> {
  return Array.from({ length: TOTAL }, (_, sequence) =>
    createEvent(
      contract,
      { accountId: `account-${sequence % 1000}`, sequence, gpuSeconds: 1 + (sequence % 60) },
      { correlationId: `bench-${suffix}`, causationId: null },
    ),
  );
}

class CreateBenchTables1764316800002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(
      `CREATE TABLE ${qualified(schema, 'accounts')} (id text PRIMARY KEY, updates int NOT NULL)`,
    );
    // No unique constraint: duplicates must be countable, not prevented.
    await queryRunner.query(
      `CREATE TABLE ${qualified(schema, 'effects')} (event_id uuid NOT NULL, gpu_seconds int NOT NULL)`,
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE ${qualified(schema, 'accounts')}, ${qualified(schema, 'effects')}`);
  }
}

async function baseline(kafka: KafkaEndpoint, messages: string[]): Promise<number> {
  const topic = `gridex.bench.baseline-${suffix}.v1`;
  await createTopics(kafka, [topic], PARTITIONS);
  const consumer = new Consumer({
    clientId: kafka.clientId,
    bootstrapBrokers: kafka.brokers,
    groupId: `bench-baseline-${suffix}`,
    autocreateTopics: false,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: true });
  let received = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  stream.on('data', () => {
    received += 1;
    if (received >= messages.length) finish();
  });
  const producer = new MessagePublisher(kafka);
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 500) {
    await producer.send(
      topic,
      messages.slice(i, i + 500).map((value, j) => ({ key: `account-${(i + j) % 1000}`, value })),
    );
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  await stream.close();
  await consumer.close(true);
  await deleteTopics([topic]);
  return messages.length / seconds;
}

interface ScenarioResult {
  eventsPerTransaction: number;
  eventsPerSecond: number;
  writeEventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  duplicates: number;
}

/** One run of the exactly-once path on a schema and topic of its own. */
async function measurePipeline(
  kafka: KafkaEndpoint,
  env: ReturnType<typeof stackEnv>,
  perTransaction: number,
): Promise<ScenarioResult> {
  const scenario = `${suffix}_${perTransaction}`;
  const BenchEvent = benchEvent(scenario);
  const schema = `bench_${scenario}`;
  const dataSource: DataSource = await openServiceDataSource({
    url: env.DATABASE_URL,
    schema,
    migrations: [...messagingMigrations, CreateBenchTables1764316800002],
    poolSize: WRITERS + 6,
  });
  await createTopics(kafka, [BenchEvent.topic], PARTITIONS);
  const events = makeEvents(BenchEvent);

  const committedAt = new Map<string, number>();
  const effectAt = new Map<string, number>();
  let finish!: () => void;
  const allApplied = new Promise<void>((resolve) => (finish = resolve));
  const effects = qualified(schema, 'effects');
  const recordUsage = async (batch: ReadonlyArray<EventEnvelope<BenchPayload>>, tx: EntityManager) => {
    await tx.query(
      `INSERT INTO ${effects} (event_id, gpu_seconds) SELECT * FROM unnest($1::uuid[], $2::int[])`,
      [batch.map((event) => event.eventId), batch.map((event) => event.payload.gpuSeconds)],
    );
    // Recorded just before the effect's transaction commits: the latency is commit → effect applied.
    const now = performance.now();
    for (const event of batch) if (!effectAt.has(event.eventId)) effectAt.set(event.eventId, now);
    if (effectAt.size >= TOTAL) finish();
  };
  const handler: EventHandler<BenchPayload> = {
    name: 'bench.record-usage',
    contract: BenchEvent,
    handle: (event, tx) => recordUsage([event], tx),
    handleBatch: recordUsage,
  };
  const metrics = new ServiceMetrics('bench', { defaultMetrics: false });
  const consumer = new InboxConsumer({
    dataSource,
    schema,
    kafka: { brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: `bench-${scenario}` },
    metrics,
    groupId: `bench-${scenario}`,
    handlers: [handler as EventHandler<unknown>],
  });
  const relay = new OutboxRelay({
    dataSource,
    schema,
    kafka: { brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: `bench-${scenario}` },
    metrics,
    batchSize: 1000,
    idlePollMs: 5,
  });
  await consumer.start();
  await relay.start();

  console.log(
    `outbox → relay → Kafka → inbox: ${TOTAL} events, ${WRITERS} writers, ${perTransaction} event(s) per transaction ...`,
  );
  const writer = new OutboxWriter(schema);
  const accounts = qualified(schema, 'accounts');
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < TOTAL) {
        const slice = events.slice(next, next + perTransaction);
        next += slice.length;
        // The business transaction: a state change and the events it causes, committed together.
        await dataSource.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO ${accounts} (id, updates) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET updates = ${accounts}.updates + 1`,
            [`writer-${slice[0].payload.sequence % 64}`],
          );
          await writer.append(
            tx,
            slice.map((event) => ({ contract: BenchEvent, event })),
          );
        });
        const now = performance.now();
        for (const event of slice) committedAt.set(event.eventId, now);
      }
    }),
  );
  const writeSeconds = (performance.now() - started) / 1000;
  await Promise.race([allApplied, new Promise((resolve) => setTimeout(resolve, 120_000).unref())]);
  const endToEndSeconds = (performance.now() - started) / 1000;
  // Give late duplicates a moment to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await consumer.stop();
  await relay.stop();

  const [{ rows, distinct }] = await dataSource.query(
    `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM ${effects}`,
  );
  const latencies = [...effectAt].map(([id, at]) => at - (committedAt.get(id) ?? at)).sort((a, b) => a - b);
  await dataSource.destroy();
  await dropSchema(schema);
  await deleteTopics([BenchEvent.topic]);
  return {
    eventsPerTransaction: perTransaction,
    eventsPerSecond: Math.round(distinct / endToEndSeconds),
    writeEventsPerSecond: Math.round(TOTAL / writeSeconds),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
    lost: TOTAL - distinct,
    duplicates: rows - distinct,
  };
}

async function deleteTopics(topics: string[]): Promise<void> {
  await withAdmin((admin) =>
    admin.deleteTopics({ topics: topics.flatMap((topic) => [topic, `${topic}.dlq`]) }),
  );
}

async function main(): Promise<void> {
  const env = stackEnv();
  const kafka = { clientId: `bench-${suffix}`, brokers: env.KAFKA_BROKERS.split(',') };

  console.log(`baseline: raw @platformatic/kafka produce → consume of ${TOTAL} messages ...`);
  const baselineEventsPerSecond = await baseline(
    kafka,
    makeEvents(benchEvent(`${suffix}_baseline`)).map((e) => JSON.stringify(e)),
  );
  const scenarios: ScenarioResult[] = [];
  for (const perTransaction of EVENTS_PER_TRANSACTION) {
    scenarios.push(await measurePipeline(kafka, env, perTransaction));
  }
  const [headline] = scenarios;
  const result = {
    events: TOTAL,
    writers: WRITERS,
    partitions: PARTITIONS,
    ...headline,
    baselineEventsPerSecond: Math.round(baselineEventsPerSecond),
    ratioToBaseline: Number((headline.eventsPerSecond / baselineEventsPerSecond).toFixed(2)),
    scenarios,
    measuredAt: new Date().toISOString(),
  };

  const outFile = path.resolve(__dirname, '..', 'results', 'messaging.json');
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\nbaseline (raw @platformatic/kafka, no database, no exactly-once): ${result.baselineEventsPerSecond} events/s`,
  );
  console.log(
    '\n| events per transaction | events/s end to end | writes/s | p50 ms | p99 ms | lost | duplicates | vs baseline |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of scenarios) {
    console.log(
      `| ${s.eventsPerTransaction} | ${s.eventsPerSecond} | ${s.writeEventsPerSecond} | ${s.p50Ms} | ${s.p99Ms} | ${s.lost} | ${s.duplicates} | ` +
        `${(s.eventsPerSecond / baselineEventsPerSecond).toFixed(2)} |`,
    );
  }
  console.log(`\nwritten to ${path.relative(process.cwd(), outFile)}`);
  if (scenarios.some((s) => s.lost !== 0 || s.duplicates !== 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
