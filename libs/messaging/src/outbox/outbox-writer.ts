import { EntityManager } from 'typeorm';
import { EventContract, EventEnvelope } from '@gridex/contracts';
import { qualified } from '@gridex/persistence';

/** An event ready for the outbox: the envelope and the contract that says where it goes. */
export interface OutgoingEvent<TPayload = unknown> {
  contract: EventContract<TPayload>;
  event: EventEnvelope<TPayload>;
}

/**
 * The producing half of the outbox: events are inserted in the same database transaction as the state change
 * that caused them, so both commit or neither does. The relay publishes them afterwards.
 */
export class OutboxWriter {
  private readonly table: string;

  constructor(schema: string) {
    this.table = qualified(schema, 'outbox');
  }

  /** Inserts the events within `tx` (which must be inside a transaction) in one statement. */
  async append(tx: EntityManager, events: ReadonlyArray<OutgoingEvent>): Promise<void> {
    if (events.length === 0) return;
    if (!tx.queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter.append must run inside the transaction of the state change');
    }
    const ids: string[] = [];
    const topics: string[] = [];
    const keys: string[] = [];
    const messages: string[] = [];
    for (const { contract, event } of events) {
      if (event.type !== contract.type || event.version !== contract.version) {
        throw new Error(`event ${event.type} v${event.version} does not belong to topic ${contract.topic}`);
      }
      ids.push(event.eventId);
      topics.push(contract.topic);
      keys.push(contract.partitionKey(event.payload));
      messages.push(JSON.stringify(event));
    }
    await tx.query(
      `INSERT INTO ${this.table} (event_id, topic, partition_key, message)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
      [ids, topics, keys, messages],
    );
  }
}
