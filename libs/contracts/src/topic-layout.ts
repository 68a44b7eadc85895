import type { Admin, ITopicConfig } from 'kafkajs';
import { topicForInstance } from './instance';
import { CompactedTopics, DEAD_LETTER_PARTITIONS, deadLetterTopic, TopicPartitions } from './topics';

/** kafkajs' `ConfigResourceTypes.TOPIC` (a type-only import keeps the client out of the contracts' runtime). */
const TOPIC_RESOURCE = 2;

/**
 * Compaction only cleans closed segments: small segments that roll at least every 10 minutes keep a compacted
 * feed near one message per key, so a consumer replaying it (matching at start) reads the state, not the history.
 */
const COMPACTED_CONFIG = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.bytes', value: String(8 * 1024 * 1024) },
  { name: 'segment.ms', value: String(10 * 60 * 1000) },
  { name: 'min.cleanable.dirty.ratio', value: '0.1' },
];

/** Every topic an instance's exchange uses, with its partitions and configuration, and each dead-letter twin. */
export function topicLayout(instance: string): ITopicConfig[] {
  const compacted = new Set([...CompactedTopics].map((topic) => topicForInstance(topic, instance)));
  return Object.entries(TopicPartitions).flatMap(([ownTopic, partitions]) => {
    const topic = topicForInstance(ownTopic, instance);
    return [
      {
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: compacted.has(topic) ? COMPACTED_CONFIG : [],
      },
      { topic: deadLetterTopic(topic), numPartitions: DEAD_LETTER_PARTITIONS, replicationFactor: 1 },
    ];
  });
}

/**
 * Creates what is missing of an instance's topic layout (the stack does the default exchange's, tests another
 * instance's; the layout is the contracts', so every caller provisions the same) (existing topics are left alone) and switches a compacted
 * topic created before it was declared compacted (idempotent). Returns the topics created.
 */
export async function ensureTopicLayout(admin: Admin, instance: string): Promise<string[]> {
  const wanted = topicLayout(instance);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter(({ topic }) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
    // The broker may still refuse reads of a partition it has just been made leader of ("not the leader"):
    // return only once every new topic answers, so whoever reads them next is not refused.
    await Promise.all(missing.map(({ topic }) => answering(() => admin.fetchTopicOffsets(topic))));
  }
  await admin.alterConfigs({
    validateOnly: false,
    resources: [...CompactedTopics].map((topic) => ({
      type: TOPIC_RESOURCE,
      name: topicForInstance(topic, instance),
      configEntries: COMPACTED_CONFIG,
    })),
  });
  return missing.map(({ topic }) => topic);
}

async function answering<T>(read: () => Promise<T>, attempts = 100, delayMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
