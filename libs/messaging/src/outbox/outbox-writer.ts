import { EntityManager } from 'typeorm';
import { createEvent, EventContract, EventEnvelope, EventOrigin } from '@gridex/contracts';
import { qualified } from '@gridex/persistence';

/** An event ready for the outbox: the envelope and the contract that says where it goes. */
export interface OutgoingEvent<TPayload = unknown> {
  contract: EventContract<TPayload>;
  event: EventEnvelope<TPayload>;
}

/** Four parameters a row; PostgreSQL takes at most 65,535 per statement. */
const ROWS_PER_STATEMENT = 10_000;

/**
 * The producing half of the outbox: events are inserted in the same database transaction as the state change
 * that caused them, so both commit or neither does. The relay publishes them afterwards.
 */
export class OutboxWriter {
  private readonly table: string;

  constructor(schema: string) {
    this.table = qualified(schema, 'outbox');
  }

  /**
   * Creates one event of `contract` (validating its payload) and appends it within `tx`: the usual way to emit.
   * `at` is the event's `occurredAt` (now when absent).
   */
  async emit<TPayload>(
    tx: EntityManager,
    contract: EventContract<TPayload>,
    payload: TPayload,
    origin: EventOrigin,
    at?: Date,
  ): Promise<EventEnvelope<TPayload>> {
    const event = createEvent(contract, payload, origin, at);
    await this.append(tx, [{ contract, event }]);
    return event;
  }

  /** Creates and appends many events of one contract in one statement (each with its own origin). */
  async emitAll<TPayload>(
    tx: EntityManager,
    contract: EventContract<TPayload>,
    events: ReadonlyArray<{ payload: TPayload; origin: EventOrigin }>,
    at?: Date,
  ): Promise<void> {
    await this.append(
      tx,
      events.map(({ payload, origin }) => ({ contract, event: createEvent(contract, payload, origin, at) })),
    );
  }

  /** Inserts the events within `tx` (which must be inside a transaction), up to 10,000 per statement. */
  async append(tx: EntityManager, events: ReadonlyArray<OutgoingEvent>): Promise<void> {
    if (events.length === 0) return;
    if (!tx.queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter.append must run inside the transaction of the state change');
    }
    for (const { contract, event } of events) {
      if (event.type !== contract.type || event.version !== contract.version) {
        throw new Error(`event ${event.type} v${event.version} does not belong to topic ${contract.topic}`);
      }
    }
    // Bound parameters rather than unnest($1::text[], …): node-postgres escapes every quote of an array
    // element, and an event's JSON is mostly quotes (that escaping was the costliest part of appending).
    for (let first = 0; first < events.length; first += ROWS_PER_STATEMENT) {
      const params: string[] = [];
      const rows: string[] = [];
      for (const { contract, event } of events.slice(first, first + ROWS_PER_STATEMENT)) {
        const n = params.push(
          event.eventId,
          contract.topic,
          contract.partitionKey(event.payload),
          JSON.stringify(event),
        );
        rows.push(`($${n - 3}::uuid, $${n - 2}, $${n - 1}, $${n})`);
      }
      await tx.query(
        `INSERT INTO ${this.table} (event_id, topic, partition_key, message) VALUES ${rows.join(', ')}`,
        params,
      );
    }
  }
}
