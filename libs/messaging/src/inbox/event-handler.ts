import { EntityManager } from 'typeorm';
import { EventContract, EventEnvelope } from '@gridex/contracts';

/**
 * A consumer of one event type. Its effect is whatever it writes through `tx`: the inbox row that marks the
 * event processed is written in the same transaction, so an event redelivered by Kafka has no second effect.
 * Anything the handler must tell other services goes through the outbox in that same transaction.
 */
export interface EventHandler<TPayload = unknown> {
  /**
   * Stable name, the handler's key in the inbox (e.g. `billing.meter-on-workload-started`). Renaming a handler
   * makes it see every still-retained event again.
   */
  readonly name: string;
  readonly contract: EventContract<TPayload>;
  handle(event: EventEnvelope<TPayload>, tx: EntityManager): Promise<void>;
  /**
   * Optional fast path: several new events in one call, in partition order, within one transaction. It must have
   * the same effect as calling {@link handle} for each in turn.
   */
  handleBatch?(events: ReadonlyArray<EventEnvelope<TPayload>>, tx: EntityManager): Promise<void>;
  /**
   * Optional: told which of its events have just committed, for work that must see the commit, such as
   * looking again at outside state that changed while the transaction was open (and could not find its rows
   * then). It is not part of the effect: a crash before it runs skips it, so it may only hasten what the
   * service does anyway (at its next start, say). Its errors are logged, never retried.
   */
  afterCommit?(events: ReadonlyArray<EventEnvelope<TPayload>>): void;
}

/**
 * Thrown by a handler for an event that can never succeed (it contradicts the handler's state, say): the event
 * goes to the dead-letter topic at once instead of being retried.
 */
export class RejectedEventError extends Error {
  constructor(
    message: string,
    /** A stable code for the reason, e.g. `BILLING.UNKNOWN_RESERVATION`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'RejectedEventError';
  }
}
