import { topicForInstance } from './instance';
import { CompactedTopics, DEAD_LETTER_PARTITIONS, deadLetterTopic, TopicPartitions } from './topics';

/** One topic of the layout, as any Kafka admin client would create it. */
export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level configuration (empty: the broker's defaults). */
  configs: Record<string, string>;
}

/**
 * Compaction only cleans closed segments: small segments that roll at least every 10 minutes keep a compacted
 * feed near one message per key, so a consumer replaying it (matching at start) reads the state, not the history.
 */
export const COMPACTED_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(8 * 1024 * 1024),
  'segment.ms': String(10 * 60 * 1000),
  'min.cleanable.dirty.ratio': '0.1',
};

/** Every topic an instance's exchange uses, with its partitions and configuration, and each dead-letter twin. */
export function topicLayout(instance: string): TopicSpec[] {
  const compacted = new Set([...CompactedTopics].map((topic) => topicForInstance(topic, instance)));
  return Object.entries(TopicPartitions).flatMap(([ownTopic, partitions]) => {
    const topic = topicForInstance(ownTopic, instance);
    return [
      {
        topic,
        partitions,
        replicationFactor: 1,
        configs: compacted.has(topic) ? { ...COMPACTED_TOPIC_CONFIG } : {},
      },
      {
        topic: deadLetterTopic(topic),
        partitions: DEAD_LETTER_PARTITIONS,
        replicationFactor: 1,
        configs: {},
      },
    ];
  });
}
