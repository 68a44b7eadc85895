import { Producer, stringSerializers } from '@platformatic/kafka';
import { eventually, stackEnv, testKafka, uniqueSuffix, withAdmin } from '@gridex/testing';
import { CompactedTopicReader } from './compacted-topic.reader';

/**
 * A compacted topic keeps the last batch of every idempotent producer as an empty batch after its records were
 * superseded. A reader that does not move its position past such a batch refetches the same offset forever
 * (kafkajs #1072). This test builds exactly that log and reads it from the beginning with the reader the
 * services use.
 */
async function readAll(topic: string, timeoutMs: number): Promise<string[]> {
  const values: string[] = [];
  // One batch per fetch (Kafka always returns at least one): a fetch that meets an empty batch sees nothing
  // else, as a fetch of a segment full of them does with the default limits.
  const reader = new CompactedTopicReader({
    brokers: stackEnv().KAFKA_BROKERS.split(','),
    clientId: `compacted-${uniqueSuffix()}`,
    groupId: `compacted-${uniqueSuffix()}`,
    topic,
    maxWaitMs: 100,
    maxBytes: 64,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      reader.follow(
        (record) => values.push(`${record.key}=${record.value}`),
        (error) => values.push(`error=${error.message}`),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not caught up after ${values.length} values`)), timeoutMs);
      }),
    ]);
    return values;
  } finally {
    clearTimeout(timer);
    await reader.close();
  }
}

describe('a compacted topic', () => {
  const kafka = testKafka();
  const topic = `gridex.test.compacted-${uniqueSuffix()}.v1`;

  afterAll(async () => {
    await withAdmin((admin) => admin.deleteTopics({ topics: [topic] }).catch(() => undefined));
  });

  it('is read to its end although superseded records left segments of empty batches', async () => {
    await withAdmin((admin) =>
      admin.createTopics({
        topics: [topic],
        partitions: 1,
        replicas: 1,
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: '500' },
          { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          { name: 'min.compaction.lag.ms', value: '0' },
        ],
      }),
    );
    const send = async (key: string, value: string) => {
      // A new idempotent producer each time: each leaves its own last batch, kept empty by compaction.
      const producer = new Producer({
        clientId: kafka.clientId,
        bootstrapBrokers: kafka.brokers,
        idempotent: true,
        acks: -1,
        serializers: stringSerializers,
      });
      await producer.send({ messages: [{ topic, key, value }] });
      await producer.close();
      // The next append after segment.ms rolls the segment: each write lands in a segment of its own.
      await new Promise((resolve) => setTimeout(resolve, 600));
    };
    await send('node', 'first');
    await send('node', 'second');
    await send('node', 'third');
    // Writes keep rolling segments until the cleaner has removed the superseded records (its pass interval is
    // a broker setting, 15 s by default).
    await eventually(
      async () => {
        await send('tick', String(Date.now()));
        const values = await readAll(topic, 20_000);
        expect(values.filter((v) => v.startsWith('node='))).toEqual(['node=third']);
      },
      90_000,
      1_000,
    );
  }, 120_000);
});
