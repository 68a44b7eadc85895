import { Consumer, MessagesStream } from '@platformatic/kafka';

/** One record of a compacted topic, as the reader hands it over (key and value undecoded). */
export interface CompactedRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface CompactedTopicReaderOptions {
  /** host:port list. */
  brokers: string[];
  clientId: string;
  topic: string;
  /** A group of this reader's own: every reader needs every record, and nothing is committed. */
  groupId: string;
  /** How long the broker holds a fetch open when there is nothing new (default 200 ms). */
  maxWaitMs?: number;
  /** Fetch size limits in bytes (tests make them tiny to get one record batch per fetch). */
  maxBytes?: number;
}

/**
 * Reads a compacted topic (the latest state per key) from its beginning, then follows it.
 *
 * `follow` resolves once the reader has passed the end every partition had when it started, so that a caller
 * never acts on half a topic. A partition counts as passed when a record at or after its last offset was handed
 * over, or when the fetch position moved beyond it with nothing left to hand over: compaction can leave the
 * tail of a log as record batches with no records (an idempotent producer's last batch is kept, emptied), and
 * only the position shows that those were read.
 *
 * Built on `@platformatic/kafka`, whose fetch advances past an empty batch as the Java client does (kafkajs
 * does not: kafkajs#1072).
 */
export class CompactedTopicReader {
  private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;

  constructor(private readonly options: CompactedTopicReaderOptions) {
    this.consumer = new Consumer({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      groupId: options.groupId,
      autocreateTopics: false,
      maxWaitTime: options.maxWaitMs ?? 200,
      ...(options.maxBytes === undefined
        ? {}
        : { maxBytes: options.maxBytes, maxBytesPerPartition: options.maxBytes }),
    });
  }

  /**
   * Hands every record to `onRecord` (in offset order per partition) and keeps doing so for new ones; resolves
   * when the topic's end as it was at the call has been read. A failure of the stream before that rejects;
   * after it, goes to `onError`.
   */
  async follow(onRecord: (record: CompactedRecord) => void, onError: (error: Error) => void): Promise<void> {
    const { topic } = this.options;
    const [earliest, latest] = await Promise.all(
      [-2n, -1n].map(async (timestamp) =>
        (await this.consumer.listOffsets({ topics: [topic], timestamp })).get(topic),
      ),
    );
    // Per partition that holds anything: the offset the reader must reach (the end when it started).
    const pending = new Map<number, bigint>();
    (latest ?? []).forEach((end, partition) => {
      if (end > (earliest?.[partition] ?? 0n)) pending.set(partition, end);
    });

    const stream = await this.consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    this.stream = stream;
    return new Promise<void>((resolve, reject) => {
      let caughtUp = false;
      const check = () => {
        if (caughtUp) return;
        const positions = stream.offsetsToFetch;
        for (const [partition, end] of pending) {
          const position = positions.get(`${topic}:${partition}`);
          if (stream.readableLength === 0 && position !== undefined && position >= end)
            pending.delete(partition);
        }
        if (pending.size > 0) return;
        caughtUp = true;
        resolve();
      };
      stream.on('data', (message) => {
        onRecord({
          partition: message.partition,
          offset: message.offset,
          key: message.key ?? null,
          value: message.value ?? null,
        });
        const end = pending.get(message.partition);
        if (end !== undefined && message.offset + 1n >= end) pending.delete(message.partition);
        check();
      });
      // A fetch's records (and its new position) are taken in right after this event.
      stream.on('fetch', () => setImmediate(check));
      stream.on('error', (error: Error) => (caughtUp ? onError(error) : reject(error)));
      check();
    });
  }

  async close(): Promise<void> {
    await this.stream?.close();
    await this.consumer.close(true);
  }
}
