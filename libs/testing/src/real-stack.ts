import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, KafkaMessage, logLevel, Producer } from 'kafkajs';
import { createEvent, deadLetterTopic, ensureTopicLayout, EventContract, uuidv7 } from '@gridex/contracts';
import { stackEnv } from './stack-env';

// Tests and the local start (tools/start) share it.
export { startGroupAtEnd } from '@gridex/kafka-groups';

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

/** A kafkajs client on the local stack with its logging silenced (tests assert, they do not read logs). */
export function testKafka(clientId = `test-${uniqueSuffix()}`): Kafka {
  return new Kafka({ clientId, brokers: stackEnv().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
}

/** The whole topic layout of another exchange on the shared stack (see `GRIDEX_INSTANCE`), created once. */
export async function provisionInstanceTopics(instance: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await ensureTopicLayout(admin, instance);
  } finally {
    await admin.disconnect();
  }
}

/** Creates topics and their dead-letter twins on the local stack. */
export async function createTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.flatMap((topic) => [
        { topic, numPartitions: partitions, replicationFactor: 1 },
        { topic: deadLetterTopic(topic), numPartitions: 1, replicationFactor: 1 },
      ]),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Total messages ever written to a topic (sum of high watermarks). */
export async function messageCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from the beginning until `count` messages arrived, or fails after `timeoutMs`. */
export async function readMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${uniqueSuffix()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Publishes payloads as a producing service would: each in a valid envelope of `contract`, keyed by the contract's
 * partition key, on its topic. Each event starts a flow of its own (fresh correlation id).
 */
export async function publishEvents<T>(
  producer: Producer,
  contract: EventContract<T>,
  payloads: T[],
  /** The tenant the envelopes name (as a service sets it for tenant-scoped events). */
  tenantId?: string,
): Promise<void> {
  await producer.send({
    topic: contract.topic,
    messages: payloads.map((payload) => ({
      key: contract.partitionKey(payload),
      value: JSON.stringify(
        createEvent(contract, payload, {
          correlationId: uuidv7(),
          causationId: null,
          ...(tenantId ? { tenantId } : {}),
        }),
      ),
    })),
  });
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
  readonly messages: KafkaMessage[] = [];
  private readonly decoded: unknown[] = [];
  private readonly consumer;

  private constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({ groupId: `recorder-${uniqueSuffix()}`, maxWaitTimeInMs: 200 });
  }

  static async start(kafka: Kafka, topic: string, from: 'now' | 'beginning' = 'now'): Promise<TopicRecorder> {
    const recorder = new TopicRecorder(kafka);
    const admin = kafka.admin();
    await admin.connect();
    // A topic created moments ago may not have a leader in every broker's metadata yet.
    const ends = await eventually(() => admin.fetchTopicOffsets(topic), 30_000);
    await admin.disconnect();
    await recorder.consumer.connect();
    await recorder.consumer.subscribe({ topic, fromBeginning: from === 'beginning' });
    await recorder.consumer.run({
      eachMessage: async ({ message }) => {
        recorder.messages.push(message);
        // Decoded once on arrival: tests poll often and topics can be long.
        if (message.value) recorder.decoded.push(JSON.parse(message.value.toString()));
      },
    });
    if (from === 'now') {
      for (const { partition, high } of ends) recorder.consumer.seek({ topic, partition, offset: high });
    }
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
    await this.consumer.disconnect();
  }
}
