export * from './kafka/kafka-connection';
export * from './outbox/outbox-writer';
export * from './outbox/outbox-relay';
export * from './inbox/event-handler';
export * from './inbox/retry-delay';
export * from './inbox/inbox-consumer';
export * from './dead-letter/dead-letter-headers';
export * from './database/create-messaging-tables.migration';
