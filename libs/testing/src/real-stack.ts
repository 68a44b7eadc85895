import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Admin, Consumer, MessagesStream } from '@platformatic/kafka';
import { createEvent, deadLetterTopic, EventContract, uuidv7 } from '@gridex/contracts';
import {
  consumeFrom,
  createAdmin,
  createMissingTopics,
  ensureTopicLayout,
  IncomingMessage,
  incomingMessage,
  KafkaEndpoint,
  MessagePublisher,
  partitionOffsets,
  readPartitionRange,
} from '@gridex/kafka-client';
import { stackEnv } from './stack-env';

// Tests and the local start (tools/start) share it.
export { startGroupAtEnd } from '@gridex/kafka-client';

/** A short random suffix that keeps the names of parallel test runs apart. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** A fresh PostgreSQL schema name for one test file; drop it with {@link dropSchema}. */
export function testSchemaName(prefix = 't'): string {
  return `${prefix}_${uniqueSuffix()}`;
}

export async function dropSchema(schema: string): Promise<void> {
  await queryStack(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** Runs one statement on the local stack's database (for tests that look at what a service stored). */
export async function queryStack<T = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: stackEnv().DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The local stack's brokers, as a client named for one test (or benchmark) would reach them. */
export function testKafka(clientId = `test-${uniqueSuffix()}`): KafkaEndpoint {
  return { clientId, brokers: stackEnv().KAFKA_BROKERS.split(',') };
}

/** A publisher on the local stack, for a test that plays a producing service; close it when done. */
export function testPublisher(kafka: KafkaEndpoint = testKafka()): MessagePublisher {
  return new MessagePublisher(kafka);
}

/** Runs `use` with an admin client on the local stack, closed afterwards. */
export async function withAdmin<T>(use: (admin: Admin) => Promise<T>, kafka = testKafka()): Promise<T> {
  const admin = createAdmin(kafka);
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** The whole topic layout of another exchange on the shared stack (see `GRIDEX_INSTANCE`), created once. */
export async function provisionInstanceTopics(instance: string): Promise<void> {
  await withAdmin((admin) => ensureTopicLayout(admin, instance));
}

/** Creates topics and their dead-letter twins on the local stack. */
export async function createTopics(kafka: KafkaEndpoint, topics: string[], partitions = 3): Promise<void> {
  await withAdmin(
    (admin) =>
      createMissingTopics(
        admin,
        topics.flatMap((topic) => [
          { topic, partitions, replicationFactor: 1, configs: {} },
          { topic: deadLetterTopic(topic), partitions: 1, replicationFactor: 1, configs: {} },
        ]),
      ),
    kafka,
  );
}

/** Messages a topic holds (what its partitions retain, summed). */
export async function messageCount(kafka: KafkaEndpoint, topic: string): Promise<number> {
  const offsets = await withAdmin((admin) => partitionOffsets(admin, topic), kafka);
  return offsets.reduce((sum, partition) => sum + Number(partition.high - partition.low), 0);
}

/**
 * Waits until a topic holds at least `count` messages (or fails after `timeoutMs`), then reads everything it
 * holds: partition after partition, each in offset order.
 */
export async function readMessages(
  kafka: KafkaEndpoint,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<IncomingMessage[]> {
  const partitions = await eventually(async () => {
    const offsets = await withAdmin((admin) => partitionOffsets(admin, topic), kafka);
    const held = offsets.reduce((sum, { low, high }) => sum + Number(high - low), 0);
    if (held < count) throw new Error(`${topic} holds ${held} of ${count} messages`);
    return offsets;
  }, timeoutMs);
  const read = [];
  for (const { partition, low, high } of partitions) {
    read.push(...(await readPartitionRange(kafka, { topic, partition, from: low, to: high }, timeoutMs)));
  }
  return read;
}

/**
 * Publishes payloads as a producing service would: each in a valid envelope of `contract`, keyed by the contract's
 * partition key, on its topic. Each event starts a flow of its own (fresh correlation id).
 */
export async function publishEvents<T>(
  publisher: MessagePublisher,
  contract: EventContract<T>,
  payloads: T[],
  /** The tenant the envelopes name (as a service sets it for tenant-scoped events). */
  tenantId?: string,
): Promise<void> {
  await publisher.send(
    contract.topic,
    payloads.map((payload) => ({
      key: contract.partitionKey(payload),
      value: JSON.stringify(
        createEvent(contract, payload, {
          correlationId: uuidv7(),
          causationId: null,
          ...(tenantId ? { tenantId } : {}),
        }),
      ),
    })),
  );
}

/** Retries an assertion until it passes or the time is up; the last failure is the one reported. */
export async function eventually<T>(
  assertion: () => Promise<T> | T,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/**
 * Records a topic in the background, so tests can wait for a message. Starts at the topic's current end by
 * default (a shared topic may hold far more than the test cares about), or at the beginning.
 */
export class TopicRecorder {
  readonly messages: IncomingMessage[] = [];
  private readonly decoded: unknown[] = [];
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;

  private constructor(private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>) {}

  static async start(
    kafka: KafkaEndpoint,
    topic: string,
    from: 'now' | 'beginning' = 'now',
  ): Promise<TopicRecorder> {
    const recorder = new TopicRecorder(
      new Consumer({
        clientId: kafka.clientId,
        bootstrapBrokers: kafka.brokers,
        groupId: `recorder-${uniqueSuffix()}`,
        autocreateTopics: false,
        maxWaitTime: 200,
      }),
    );
    // A topic created moments ago may not have a leader in every broker's metadata yet.
    const stream = await eventually(
      () => consumeFrom(recorder.consumer, [topic], from === 'now' ? 'end' : 'beginning'),
      30_000,
    );
    stream.on('data', (message) => {
      recorder.messages.push(incomingMessage(message));
      // Decoded once on arrival: tests poll often and topics can be long.
      if (message.value) recorder.decoded.push(JSON.parse(message.value.toString()));
    });
    recorder.stream = stream;
    return recorder;
  }

  /** The decoded JSON values recorded so far. */
  values<T = unknown>(): T[] {
    return this.decoded as T[];
  }

  /** Waits until a recorded value satisfies `predicate` and returns it. */
  async waitFor<T>(predicate: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
    return eventually(
      () => {
        const match = this.values<T>().find(predicate);
        if (match === undefined) throw new Error(`no message matched after ${this.messages.length} recorded`);
        return match;
      },
      timeoutMs,
      200,
    );
  }

  async stop(): Promise<void> {
    await this.stream?.close();
    await this.consumer.close(true);
  }
}
