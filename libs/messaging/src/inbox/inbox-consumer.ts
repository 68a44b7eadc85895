import { Logger } from '@nestjs/common';
import { Batch, Consumer, IHeaders, Kafka, KafkaMessage, Partitioners, Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { decodeEvent, deadLetterTopic, EventEnvelope } from '@gridex/contracts';
import { ServiceMetrics, withCorrelation } from '@gridex/observability';
import { qualified } from '@gridex/persistence';
import { DeadLetterCode, DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import { EventHandler, RejectedEventError } from './event-handler';
import { DEFAULT_RETRY_POLICY, retryDelayMs, RetryPolicy } from './retry-delay';

export interface InboxConsumerOptions {
  dataSource: DataSource;
  schema: string;
  kafka: Kafka;
  metrics: ServiceMetrics;
  /** Kafka consumer group; one per service. */
  groupId: string;
  handlers: ReadonlyArray<EventHandler<unknown>>;
  retry?: RetryPolicy;
  /** Partitions processed in parallel by this process. */
  partitionsConsumedConcurrently?: number;
}

interface ValidMessage {
  message: KafkaMessage;
  event: EventEnvelope<unknown>;
}

/** The events each handler applied in a transaction, for its {@link EventHandler.afterCommit}. */
type Applied = Array<{ handler: EventHandler<unknown>; events: EventEnvelope<unknown>[] }>;

interface BatchControl {
  heartbeat(): Promise<void>;
  isRunning(): boolean;
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
 * rebalances and crashes (kafkajs #1046, #1764); the inbox turns each repeat into a no-op.
 *
 * If the batch transaction fails, the messages are retried one by one, each with its own backoff budget, so one
 * poisoned message cannot hold up the others: it ends on the dead-letter topic and the partition moves on.
 * Offsets are committed only after the effects are.
 */
export class InboxConsumer {
  private readonly logger = new Logger(InboxConsumer.name);
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly inbox: string;
  private readonly retry: RetryPolicy;
  private readonly handlersByTopic = new Map<string, EventHandler<unknown>[]>();
  private readonly consumed;
  private readonly deadLettered;
  private readonly lag;
  private readonly batchSeconds;
  private started = false;

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
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: 1024 * 1024,
      // A fetch returns as soon as data arrives, so this only bounds the idle long-poll, and with it how long
      // a stop waits for the fetch in flight (kafkajs's 5 s default made every shutdown 5 s slower).
      maxWaitTimeInMs: 500,
    });
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
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

  async start(): Promise<void> {
    if (this.started || this.handlersByTopic.size === 0) return;
    await this.producer.connect();
    await this.consumer.connect();
    // A new group starts at the earliest offset: events published before a service's first deploy still count.
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        const stopTimer = this.batchSeconds.startTimer({ topic: batch.topic });
        await this.processBatch(batch, { heartbeat, isRunning, isStale });
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
        this.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
        stopTimer();
      },
    });
    this.started = true;
  }

  /** Stops fetching; the batch in progress finishes and its offsets are committed. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private async processBatch(batch: Batch, control: BatchControl): Promise<void> {
    const handlers = this.handlersByTopic.get(batch.topic) ?? [];
    const contract = handlers[0]?.contract;
    const valid: ValidMessage[] = [];
    for (const message of batch.messages) {
      const result = contract
        ? decodeEvent(contract, message.value)
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
        await control.heartbeat();
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
        items.map(({ message }) => message.offset),
      ],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  private async deadLetter(
    batch: Batch,
    message: KafkaMessage,
    code: DeadLetterCode,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const headers: IHeaders = {
      ...message.headers,
      [DeadLetterHeaders.reason]: reason.slice(0, 4000),
      [DeadLetterHeaders.code]: code,
      [DeadLetterHeaders.sourceTopic]: batch.topic,
      [DeadLetterHeaders.sourcePartition]: String(batch.partition),
      [DeadLetterHeaders.sourceOffset]: message.offset,
      [DeadLetterHeaders.consumerGroup]: this.options.groupId,
      [DeadLetterHeaders.handler]: (this.handlersByTopic.get(batch.topic) ?? []).map((h) => h.name).join(','),
      [DeadLetterHeaders.attempts]: String(attempts),
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    };
    await this.producer.send({
      topic: deadLetterTopic(batch.topic),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    this.deadLettered.inc({ topic: batch.topic, code });
    this.consumed.inc({ topic: batch.topic, outcome: 'dead-lettered' });
    this.logger.warn(
      `dead-lettered ${batch.topic}[${batch.partition}]@${message.offset} to ${deadLetterTopic(batch.topic)}: ` +
        `${code}: ${reason}`,
    );
  }
}
