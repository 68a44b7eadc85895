/** Header carrying the event id on every published event, so tools can find an event without parsing it. */
export const EVENT_ID_HEADER = 'gridex-event-id';

/**
 * Headers a dead-lettered message carries next to its original key, value and headers: why it was set aside and
 * where it came from, so an operator can fix the cause and replay it to the source topic.
 */
export const DeadLetterHeaders = {
  reason: 'gridex-dlq-reason',
  code: 'gridex-dlq-code',
  sourceTopic: 'gridex-dlq-source-topic',
  sourcePartition: 'gridex-dlq-source-partition',
  sourceOffset: 'gridex-dlq-source-offset',
  consumerGroup: 'gridex-dlq-consumer-group',
  handler: 'gridex-dlq-handler',
  attempts: 'gridex-dlq-attempts',
  failedAt: 'gridex-dlq-failed-at',
} as const;

/** Why a message was dead-lettered. */
export type DeadLetterCode =
  /** Not JSON, or not valid against the topic's contract. */
  | 'MESSAGING.INVALID_MESSAGE'
  /** The handler refused it as permanently unprocessable. */
  | 'MESSAGING.REJECTED'
  /** The handler kept failing until the retry budget ran out. */
  | 'MESSAGING.RETRIES_EXHAUSTED';
