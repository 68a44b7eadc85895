import { MigrationInterface } from 'typeorm';
import { CreateMessagingTables1764316800000 } from './create-messaging-tables.migration';
import { DeletePublishedOutboxRows1764900000000 } from './delete-published-outbox-rows.migration';

/** The messaging tables' migrations, oldest first. Every service lists them before its own. */
export const messagingMigrations: Array<new () => MigrationInterface> = [
  CreateMessagingTables1764316800000,
  DeletePublishedOutboxRows1764900000000,
];
