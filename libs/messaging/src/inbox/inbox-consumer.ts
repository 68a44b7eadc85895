import { Logger } from '@nestjs/common';
import { compatibilityPartitioner, Consumer, Message, MessagesStream, Producer } from '@platformatic/kafka';
import { DataSource, EntityManager } from 'typeorm';
import { decodeEvent, deadLetterTopic, EventEnvelope } from '@gridex/contracts';
import { ServiceMetrics, withCorrelation } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { DeadLetterCode, DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import { KafkaEndpoint } from '@gridex/kafka-client';
import { EventHandler, RejectedEventError } from './event-handler';
import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy } from './retry-delay';

export interface InboxConsumerOptions {
  dataSource: DataSource;
  schema: string;
  kafka: KafkaEndpoint;
  metrics: ServiceMetrics;
  /** Kafka consumer group; one per service. */
  groupId: string;
  handlers: ReadonlyArray<EventHandler<unknown>>;
  retry?: RetryPolicy;
  /** Partitions processed in parallel by this process. */
  partitionsConsumedConcurrently?: number;
}

type KafkaRecord = Message<Buffer, Buffer, Buffer, Buffer>;

/** The messages of one partition taken from the stream together, in offset order. */
interface Batch {
  topic: string;
  partition: number;
  messages: KafkaRecord[];
}

interface ValidMessage {
  message: KafkaRecord;
  event: EventEnvelope<unknown>;
}

/** The events each handler applied in a transaction, for its {@link EventHandler.afterCommit}. */
type Applied = Array<{ handler: EventHandler<unknown>; events: EventEnvelope<unknown>[] }>;

interface BatchControl {
  isRunning(): boolean;
  /** Whether the group rebalanced since the batch was taken (its partition may be another member's now). */
  isStale(): boolean;
}

/** Thrown to abandon a batch whose partition was revoked or whose consumer is stopping; Kafka redelivers it. */
class BatchAbandoned extends Error {}

/**
 * The consuming half of exactly-once-in-effect delivery.
 *
 * For each batch: messages that are not JSON or break their topic's contract go to `<topic>.dlq` with the reason;
 * valid ones are processed in one database transaction that first inserts their ids into the inbox
 * (`ON CONFLICT DO NOTHING`) and hands only the newly inserted ones to the handlers. Kafka redelivers after
 * rebalances and crashes; the inbox turns each repeat into a no-op.
 *
 * Built on `@platformatic/kafka`'s message stream, read in paused mode: whatever the stream holds is taken at
 * once and split by partition, up to `partitionsConsumedConcurrently` partitions are processed side by side
 * (each in offset order), and nothing more is fetched beyond the stream's buffer until they are done; then each
 * partition's offset is committed. The group's heartbeats run on their own timer, so a slow batch does not cost
 * the membership. A stream that fails (the broker went away for longer than the client's retries) is replaced
 * by a new consumer, which resumes from the committed offsets.
 *
 * If the batch transaction fails, the messages are retried one by one, each with its own backoff budget, so one
 * poisoned message cannot hold up the others: it ends on the dead-letter topic and the partition moves on.
 * Offsets are committed only after the effects are.
 */
export class InboxConsumer {
  private readonly logger = new Logger(InboxConsumer.name);
  private consumer?: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  private readonly inbox: string;
  private readonly retry: RetryPolicy;
  private readonly handlersByTopic = new Map<string, EventHandler<unknown>[]>();
  private readonly consumed;
  private readonly deadLettered;
  private readonly lag;
  private readonly batchSeconds;
  private started = false;
  /** The consuming loop, settled once `stop` has let it finish its batch. */
  private loop?: Promise<void>;
  /** Bumped on every rebalance of the group: a batch taken before it may be stale. */
  private generation = 0;
  /** A lag reading due shortly after processing (at most one pending: a busy consumer reads it 4 times a second). */
  private lagRefresh?: NodeJS.Timeout;
  /** Resolves the loop's wait for the stream (new messages, a stop, a failed stream). */
  private wake?: () => void;
  private streamError?: Error;
  /** Whether a join of the group is in flight (a stop abandons it rather than wait for the group). */
  private joining = false;

  constructor(private readonly options: InboxConsumerOptions) {
    this.inbox = qualified(options.schema, 'inbox');
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    for (const handler of options.handlers) {
      const handlers = this.handlersByTopic.get(handler.contract.topic) ?? [];
      if (handlers.some((other) => other.name === handler.name)) {
        throw new Error(`two handlers named ${handler.name} on ${handler.contract.topic}`);
      }
      this.handlersByTopic.set(handler.contract.topic, [...handlers, handler]);
    }
    this.producer = new Producer({
      clientId: options.kafka.clientId,
      bootstrapBrokers: options.kafka.brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      // Keys land on the partitions the Java client (and the relay) would choose.
      partitioner: compatibilityPartitioner,
    });
    const { metrics } = options;
    this.consumed = metrics.counter(
      'consumed_events_total',
      'Events read from Kafka, by topic and outcome (processed: had its effect; duplicate: already processed, ' +
        'skipped by the inbox; dead-lettered: sent to <topic>.dlq)',
      ['topic', 'outcome'],
    );
    this.deadLettered = metrics.counter(
      'dead_lettered_total',
      'Messages sent to a dead-letter topic, by source topic and reason code',
      ['topic', 'code'],
    );
    this.lag = metrics.gauge(
      'consumer_lag_messages',
      'Messages in a partition after the last one this consumer processed, by topic and partition',
      ['topic', 'partition'],
    );
    this.batchSeconds = metrics.histogram(
      'consume_batch_seconds',
      'Time to process one fetched batch, dead-lettering and commit included, by topic',
      ['topic'],
    );
  }

  /** The topics this consumer reads. */
  get topics(): string[] {
    return [...this.handlersByTopic.keys()];
  }

  /**
   * Starts consuming in the background: joining the group can take a session timeout (a member killed before
   * this one left is waited for), and nothing else of the service waits on it.
   */
  async start(): Promise<void> {
    if (this.started || this.handlersByTopic.size === 0) return;
    this.started = true;
    this.loop = this.consume();
  }

  /** Stops fetching; the batch in progress finishes and its offsets are committed. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.wake?.();
    // A join still waiting for the group is abandoned; a batch in progress is let finish.
    if (this.joining) await this.closeConsumer();
    await this.loop;
    await this.closeConsumer();
    await this.producer.close();
  }

  /** Joins the group and opens the message stream. */
  private async subscribe(): Promise<void> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      clientId: this.options.kafka.clientId,
      bootstrapBrokers: this.options.kafka.brokers,
      groupId: this.options.groupId,
      autocreateTopics: false,
      sessionTimeout: 30_000,
      // How long a rebalance waits for members to rejoin: a member killed without leaving holds the group that
      // long before a restarted one gets its partitions (the client's default is 102 s).
      rebalanceTimeout: 30_000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: 1024 * 1024,
      // A fetch returns as soon as data arrives, so this only bounds the idle long-poll, and with it how long
      // a stop waits for the fetch in flight.
      maxWaitTime: 500,
    });
    consumer.on('consumer:group:rebalance', () => (this.generation += 1));
    consumer.on('consumer:lag', (lag: Map<string, bigint[]>) => {
      for (const [topic, partitions] of lag) {
        partitions.forEach((messages, partition) => {
          if (messages >= 0n) this.lag.set({ topic, partition: String(partition) }, Number(messages));
        });
      }
    });
    this.consumer = consumer;
    // A new group starts at the earliest offset: events published before a service's first deploy still count.
    const stream = await consumer.consume({
      topics: this.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    stream.on('readable', () => this.wake?.());
    stream.on('close', () => this.wake?.());
    stream.on('error', (error: Error) => {
      this.streamError = error;
      this.wake?.();
    });
    this.stream = stream;
    // Read after processing (see `processTaken`), and every few seconds while idle.
    consumer.startLagMonitoring({ topics: this.topics }, 5000);
  }

  private refreshLagSoon(): void {
    if (this.lagRefresh) return;
    this.lagRefresh = setTimeout(() => {
      this.lagRefresh = undefined;
      // Errors come back as `consumer:lag:error` too; a missed reading is taken again on the next one.
      this.consumer?.getLag({ topics: this.topics }).catch(() => undefined);
    }, 250);
  }

  private async closeConsumer(): Promise<void> {
    clearTimeout(this.lagRefresh);
    this.lagRefresh = undefined;
    const { consumer, stream } = this;
    this.consumer = undefined;
    this.stream = undefined;
    consumer?.stopLagMonitoring();
    await stream?.close().catch(() => undefined);
    await consumer?.close(true).catch(() => undefined);
  }

  /** Everything the stream holds now; waits for at least one message (or a stop, or a failed stream). */
  private async take(): Promise<KafkaRecord[]> {
    for (;;) {
      const stream = this.stream;
      if (!this.started || !stream || this.streamError || stream.destroyed) return [];
      const taken: KafkaRecord[] = [];
      for (let message = stream.read(); message !== null; message = stream.read()) taken.push(message);
      if (taken.length > 0) return taken;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private async consume(): Promise<void> {
    while (this.started) {
      if (!this.stream) {
        // First start, or the stream failed or ended while running: a new member resumes from the committed
        // offsets.
        this.joining = true;
        try {
          await this.subscribe();
        } catch (error) {
          if (!this.started) return;
          this.logger.warn(
            `joining ${this.options.groupId} failed (${(error as Error).message}); retrying in 1 s`,
          );
          await this.closeConsumer();
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        } finally {
          this.joining = false;
        }
      }
      const messages = await this.take();
      if (messages.length > 0) {
        await this.processTaken(messages);
        continue;
      }
      if (!this.started) return;
      this.logger.warn(
        `consumer stream ended (${this.streamError?.message ?? 'closed'}); rejoining the group`,
      );
      this.streamError = undefined;
      await this.closeConsumer();
    }
  }

  /** Processes what was taken, partition by partition, and commits each partition's offset after its effects. */
  private async processTaken(messages: KafkaRecord[]): Promise<void> {
    const batches = new Map<string, Batch>();
    for (const message of messages) {
      const key = `${message.topic}:${message.partition}`;
      const batch = batches.get(key) ?? { topic: message.topic, partition: message.partition, messages: [] };
      batch.messages.push(message);
      batches.set(key, batch);
    }
    const generation = this.generation;
    const control: BatchControl = {
      isRunning: () => this.started,
      isStale: () => this.generation !== generation,
    };
    const queue = [...batches.values()];
    const workers = Math.min(queue.length, this.options.partitionsConsumedConcurrently ?? 3);
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) {
          const stopTimer = this.batchSeconds.startTimer({ topic: batch.topic });
          try {
            await this.processBatch(batch, control);
            await this.commit(batch);
          } catch (error) {
            if (!(error instanceof BatchAbandoned)) throw error;
            this.logger.warn(`${batch.topic}[${batch.partition}]: ${error.message}`);
          }
          stopTimer();
        }
      }),
    );
    this.refreshLagSoon();
  }

  /** Commits the offset after the batch's last message; a commit refused by a rebalance is redelivered later. */
  private async commit(batch: Batch): Promise<void> {
    const last = batch.messages[batch.messages.length - 1];
    try {
      await this.consumer?.commit({
        offsets: [
          {
            topic: batch.topic,
            partition: batch.partition,
            offset: last.offset + 1n,
            leaderEpoch: last.leaderEpoch,
          },
        ],
      });
    } catch (error) {
      // The inbox absorbs the redelivery of what this batch applied.
      this.logger.warn(
        `committing ${batch.topic}[${batch.partition}]@${last.offset + 1n} failed (${(error as Error).message}); ` +
          'the batch will be redelivered',
      );
    }
  }

  private async processBatch(batch: Batch, control: BatchControl): Promise<void> {
    const handlers = this.handlersByTopic.get(batch.topic) ?? [];
    const contract = handlers[0]?.contract;
    const valid: ValidMessage[] = [];
    for (const message of batch.messages) {
      const result = contract
        ? decodeEvent(contract, message.value ?? null)
        : { ok: false as const, reason: `no handler for topic ${batch.topic}` };
      if (result.ok) {
        valid.push({ message, event: result.event });
      } else {
        await this.deadLetter(batch, message, 'MESSAGING.INVALID_MESSAGE', result.reason, 1);
      }
    }
    if (valid.length === 0) return;
    try {
      this.committed(
        await this.options.dataSource.transaction((tx) => this.applyAll(batch, valid, handlers, tx)),
      );
    } catch (error) {
      this.logger.warn(
        `batch of ${valid.length} from ${batch.topic}[${batch.partition}] failed (${(error as Error).message}); ` +
          'retrying its messages one by one',
      );
      for (const item of valid) {
        await this.processAlone(batch, item, handlers, control);
      }
    }
  }

  /** Records the events in the inbox and applies the new ones; returns what each handler applied. */
  private async applyAll(
    batch: Batch,
    items: ValidMessage[],
    handlers: ReadonlyArray<EventHandler<unknown>>,
    tx: EntityManager,
  ): Promise<Applied> {
    const applied: Applied = [];
    for (const handler of handlers) {
      const fresh = await this.recordInInbox(tx, handler, batch, items);
      const events = items.filter(({ event }) => fresh.delete(event.eventId)).map(({ event }) => event);
      if (handler.handleBatch && events.length > 1) {
        await handler.handleBatch(events, tx);
      } else {
        for (const event of events) {
          await withCorrelation(
            { correlationId: event.correlationId, causationId: event.eventId, tenantId: event.tenantId },
            () => handler.handle(event, tx),
          );
        }
      }
      // Counted per handler: with two handlers on a topic an event has two effects, each exactly once.
      this.consumed.inc({ topic: batch.topic, outcome: 'processed' }, events.length);
      this.consumed.inc({ topic: batch.topic, outcome: 'duplicate' }, items.length - events.length);
      if (events.length > 0) applied.push({ handler, events });
    }
    return applied;
  }

  /** Tells the handlers what just committed (see {@link EventHandler.afterCommit}). */
  private committed(applied: Applied): void {
    for (const { handler, events } of applied) {
      if (!handler.afterCommit) continue;
      try {
        handler.afterCommit(events);
      } catch (error) {
        this.logger.warn(`${handler.name} after commit: ${(error as Error).message}`);
      }
    }
  }

  private async processAlone(
    batch: Batch,
    item: ValidMessage,
    handlers: ReadonlyArray<EventHandler<unknown>>,
    control: BatchControl,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.committed(
          await this.options.dataSource.transaction((tx) => this.applyAll(batch, [item], handlers, tx)),
        );
        return;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof RejectedEventError) {
          await this.deadLetter(
            batch,
            item.message,
            'MESSAGING.REJECTED',
            `${error.code}: ${reason}`,
            attempt,
          );
          return;
        }
        const delay = retryDelayMs(attempt, this.retry);
        if (delay === undefined) {
          await this.deadLetter(batch, item.message, 'MESSAGING.RETRIES_EXHAUSTED', reason, attempt);
          return;
        }
        this.logger.warn(
          `event ${item.event.eventId} from ${batch.topic}[${batch.partition}]@${item.message.offset} failed ` +
            `(attempt ${attempt}/${this.retry.maxAttempts}), retrying in ${delay} ms: ${reason}`,
        );
        if (!control.isRunning() || control.isStale()) {
          throw new BatchAbandoned('consumer stopping or partition revoked; the batch will be redelivered');
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Inserts the inbox rows; returns the ids that were not there yet (the ones to apply). */
  private async recordInInbox(
    tx: EntityManager,
    handler: EventHandler<unknown>,
    batch: Batch,
    items: ValidMessage[],
  ): Promise<Set<string>> {
    const rows: Array<{ event_id: string }> = await tx.query(
      `INSERT INTO ${this.inbox} (handler, event_id, topic, "partition", "offset")
       SELECT $1, ids.event_id, $2, $3, ids.message_offset
       FROM unnest($4::uuid[], $5::bigint[]) AS ids(event_id, message_offset)
       ON CONFLICT (handler, event_id) DO NOTHING
       RETURNING event_id`,
      [
        handler.name,
        batch.topic,
        batch.partition,
        items.map(({ event }) => event.eventId),
        items.map(({ message }) => message.offset.toString()),
      ],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  private async deadLetter(
    batch: Batch,
    message: KafkaRecord,
    code: DeadLetterCode,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const added: Record<string, string> = {
      [DeadLetterHeaders.reason]: reason.slice(0, 4000),
      [DeadLetterHeaders.code]: code,
      [DeadLetterHeaders.sourceTopic]: batch.topic,
      [DeadLetterHeaders.sourcePartition]: String(batch.partition),
      [DeadLetterHeaders.sourceOffset]: String(message.offset),
      [DeadLetterHeaders.consumerGroup]: this.options.groupId,
      [DeadLetterHeaders.handler]: (this.handlersByTopic.get(batch.topic) ?? []).map((h) => h.name).join(','),
      [DeadLetterHeaders.attempts]: String(attempts),
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    };
    // The message's own headers, then why and whence (replacing any a replayed message still carried).
    const headers = new Map<Buffer, Buffer>();
    for (const [name, value] of message.headerEntries) {
      if (!(name.toString() in added)) headers.set(name, value);
    }
    for (const [name, value] of Object.entries(added)) headers.set(Buffer.from(name), Buffer.from(value));
    await this.producer.send({
      messages: [
        {
          topic: deadLetterTopic(batch.topic),
          ...(message.key ? { key: message.key } : {}),
          ...(message.value ? { value: message.value } : {}),
          headers,
        },
      ],
    });
    this.deadLettered.inc({ topic: batch.topic, code });
    this.consumed.inc({ topic: batch.topic, outcome: 'dead-lettered' });
    this.logger.warn(
      `dead-lettered ${batch.topic}[${batch.partition}]@${message.offset} to ${deadLetterTopic(batch.topic)}: ` +
        `${code}: ${reason}`,
    );
  }
}
