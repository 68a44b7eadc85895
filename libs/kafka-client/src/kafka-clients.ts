import {
  Admin,
  compatibilityPartitioner,
  Consumer,
  Message,
  MessagesStream,
  Producer,
} from '@platformatic/kafka';

/** Where the brokers are and who is asking: what every Kafka client of the exchange is built from. */
export interface KafkaEndpoint {
  /** host:port list. */
  brokers: string[];
  /** Shown in broker logs and quotas; one per service. */
  clientId: string;
}

/** One message to publish; a string is sent as its UTF-8 bytes. */
export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
}

/** One message read back, undecoded. */
export interface IncomingMessage {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Map<string, Buffer>;
}

/** A partition's first offset still held and the offset the next message will get. */
export interface PartitionOffsets {
  partition: number;
  low: bigint;
  high: bigint;
}

const bytes = (data: string | Buffer) => (typeof data === 'string' ? Buffer.from(data) : data);

/**
 * Publishes messages that are not outbox events (request-reply answers, dead-letter replays, tests and
 * benchmarks that play a service) with what the outbox relay uses: acknowledged by every in-sync replica, keys
 * partitioned as the Java client (and the relay) would, so a message keyed like an event lands beside it.
 */
export class MessagePublisher {
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;

  constructor(endpoint: KafkaEndpoint) {
    this.producer = new Producer({
      clientId: endpoint.clientId,
      bootstrapBrokers: endpoint.brokers,
      acks: -1,
      autocreateTopics: false,
      partitioner: compatibilityPartitioner,
    });
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      messages: messages.map(({ key, value, headers }) => ({
        topic,
        key: key === null || key === undefined ? undefined : bytes(key),
        value: value === null ? undefined : bytes(value),
        headers: new Map(Object.entries(headers ?? {}).map(([name, data]) => [bytes(name), bytes(data)])),
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

/**
 * An admin client on `endpoint` (topics, groups, offsets). `timeoutMs` is how long the broker may take over a
 * topic creation or deletion (the client's default is 5 s; deleting hundreds of topics takes longer).
 */
export function createAdmin(endpoint: KafkaEndpoint, timeoutMs = 30_000): Admin {
  return new Admin({
    clientId: endpoint.clientId,
    bootstrapBrokers: endpoint.brokers,
    autocreateTopics: false,
    timeout: timeoutMs,
    requestTimeout: timeoutMs + 5000,
  });
}

/** Every partition's low and high offsets (one topic); throws for a topic the brokers do not know. */
export async function partitionOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  const partitions = Array.from({ length: count }, (_, partitionIndex) => partitionIndex);
  const [low, high] = await Promise.all(
    [-2n, -1n].map(async (timestamp) => {
      const [listed] = await admin.listOffsets({
        topics: [
          { name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) },
        ],
      });
      return new Map(listed?.partitions.map((p) => [p.partitionIndex, p.offset]));
    }),
  );
  return partitions.map((partition) => ({
    partition,
    low: low.get(partition) ?? 0n,
    high: high.get(partition) ?? 0n,
  }));
}

/** A message as the client hands it over, as this lib hands it on (header names as text). */
export function incomingMessage(message: Message<Buffer, Buffer, Buffer, Buffer>): IncomingMessage {
  return {
    partition: message.partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: new Map([...message.headers].map(([name, data]) => [name.toString(), data])),
  };
}

/**
 * Consumes `topics` from their ends as they are now (or from their beginnings): what was written before is
 * skipped and nothing written after is (a stream told to start at the latest offsets looks them up only once it
 * runs, and would miss what arrives in between). For a consumer whose group is its own.
 */
export async function consumeFrom(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topics: readonly string[],
  from: 'end' | 'beginning' = 'end',
): Promise<MessagesStream<Buffer, Buffer, Buffer, Buffer>> {
  const starts = await consumer.listOffsets({ topics: [...topics], timestamp: from === 'end' ? -1n : -2n });
  return consumer.consume({
    topics: [...topics],
    mode: 'manual',
    offsets: [...starts].flatMap(([topic, offsets]) =>
      offsets.map((offset, partition) => ({ topic, partition, offset })),
    ),
    autocommit: false,
  });
}

/**
 * Reads `[from, to)` of one partition with a throw-away group (deleted afterwards) and returns those messages;
 * rejects when they have not all arrived within `timeoutMs`. For operators' and tests' reads of a known range.
 */
export async function readPartitionRange(
  endpoint: KafkaEndpoint,
  range: { topic: string; partition: number; from: bigint; to: bigint },
  timeoutMs = 15_000,
): Promise<IncomingMessage[]> {
  const { topic, partition, from, to } = range;
  if (to <= from) return [];
  const groupId = `${endpoint.clientId}-range-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: endpoint.clientId,
    bootstrapBrokers: endpoint.brokers,
    groupId,
    autocreateTopics: false,
    maxWaitTime: 100,
  });
  const messages: IncomingMessage[] = [];
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'manual',
      offsets: [{ topic, partition, offset: from }],
      autocommit: false,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic}[${partition}] ${from}..${to - 1n} timed out`)),
        timeoutMs,
      );
      stream.on('data', (message) => {
        if (message.partition !== partition || message.offset < from || message.offset >= to) return;
        messages.push(incomingMessage(message));
        if (message.offset >= to - 1n) {
          clearTimeout(timer);
          resolve();
        }
      });
      stream.on('error', (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    await stream.close();
    return messages;
  } finally {
    await consumer.close(true);
    const admin = createAdmin(endpoint);
    await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
    await admin.close();
  }
}
