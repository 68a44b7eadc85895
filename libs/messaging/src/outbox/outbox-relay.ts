import { Logger } from '@nestjs/common';
import { compatibilityPartitioner, Producer } from '@platformatic/kafka';
import { DataSource } from 'typeorm';
import { qualified } from '@gridex/persistence';
import { ServiceMetrics } from '@gridex/observability';
import { EVENT_ID_HEADER } from '../dead-letter/dead-letter-headers';
import { KafkaEndpoint } from '@gridex/kafka-client';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  schema: string;
  kafka: KafkaEndpoint;
  metrics: ServiceMetrics;
  /** Rows published per Kafka request. */
  batchSize?: number;
  /** Pause between polls while the outbox is empty. */
  idlePollMs?: number;
}

interface OutboxRow {
  position: string;
  event_id: string;
  topic: string;
  partition_key: string;
  message: string;
}

/**
 * Publishes outbox rows to Kafka in commit order, then deletes them: from then on Kafka holds the event.
 *
 * Delivery is at-least-once by design: a crash after Kafka acknowledged a batch but before the deletion committed
 * sends that batch again on restart, and consumers' inboxes absorb the repeat. Nothing is lost, because a row
 * is only deleted after Kafka acknowledged it (acks=all, idempotent producer).
 *
 * Only one relay per schema publishes at a time (a transaction-scoped advisory lock), so events of one aggregate
 * leave in the order they were committed even when the service runs several replicas.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly table: string;
  private readonly lockKey: string;
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly published;
  private readonly publishFailures;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = qualified(options.schema, 'outbox');
    this.lockKey = `gridex:outbox-relay:${options.schema}`;
    this.batchSize = options.batchSize ?? 500;
    this.idlePollMs = options.idlePollMs ?? 20;
    this.producer = new Producer({
      clientId: options.kafka.clientId,
      bootstrapBrokers: options.kafka.brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      // A key's partition is the one the Java client would choose (murmur2, sign bit cleared), as it always was:
      // an aggregate's events keep their partition, and with it their order, across the change of client.
      partitioner: compatibilityPartitioner,
    });
    this.published = options.metrics.counter(
      'outbox_published_total',
      'Outbox events published to Kafka, by topic',
      ['topic'],
    );
    this.publishFailures = options.metrics.counter(
      'outbox_publish_failures_total',
      'Outbox batches whose publication failed and will be retried',
    );
    options.metrics.gauge(
      'outbox_pending_events',
      'Committed events not yet published to Kafka',
      [],
      async function () {
        const [{ count }] = await options.dataSource.query(
          `SELECT count(*)::int AS count FROM ${qualified(options.schema, 'outbox')}`,
        );
        this.set(count);
      },
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling after publishing everything committed so far (the graceful-shutdown flush). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.drain();
    await this.producer.close();
  }

  /** Publishes until the outbox is empty. */
  async drain(): Promise<void> {
    while ((await this.publishBatch()) > 0) {
      // keep going: a full batch may mean more rows are waiting
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const published = await this.publishBatch();
        failures = 0;
        if (published < this.batchSize) await this.sleep(this.idlePollMs);
      } catch (error) {
        failures += 1;
        this.publishFailures.inc();
        this.logger.warn(
          `publishing the outbox failed (attempt ${failures}), retrying: ${(error as Error).message}`,
        );
        await this.sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** Publishes one batch under the relay lock; returns how many rows it published. */
  private async publishBatch(): Promise<number> {
    return this.options.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [
        this.lockKey,
      ]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await tx.query(
        `SELECT position, event_id, topic, partition_key, message FROM ${this.table} ORDER BY position LIMIT $1`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const topicRows = byTopic.get(row.topic);
        if (topicRows) topicRows.push(row);
        else byTopic.set(row.topic, [row]);
      }
      await this.producer.send({
        messages: rows.map((row) => ({
          topic: row.topic,
          key: Buffer.from(row.partition_key),
          value: Buffer.from(row.message),
          headers: new Map([[Buffer.from(EVENT_ID_HEADER), Buffer.from(row.event_id)]]),
        })),
      });
      await tx.query(`DELETE FROM ${this.table} WHERE position = ANY($1::bigint[])`, [
        rows.map((row) => row.position),
      ]);
      for (const [topic, topicRows] of byTopic) this.published.inc({ topic }, topicRows.length);
      return rows.length;
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
