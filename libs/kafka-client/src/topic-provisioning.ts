import { Admin, ConfigResourceTypes } from '@platformatic/kafka';
import {
  COMPACTED_TOPIC_CONFIG,
  CompactedTopics,
  topicForInstance,
  topicLayout,
  TopicSpec,
} from '@gridex/contracts';
import { partitionOffsets } from './kafka-clients';

const configList = (configs: Readonly<Record<string, string>>) =>
  Object.entries(configs).map(([name, value]) => ({ name, value }));

/**
 * Creates the topics of `specs` that do not exist yet (existing ones are left alone) and returns their names once
 * every new partition answers: the broker may still refuse reads of a partition it has just been made leader of,
 * and whoever reads the topics next must not be refused.
 */
export async function createMissingTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter(({ topic }) => !existing.has(topic));
  // A create request carries one set of configurations for all its topics: one request per distinct set.
  const byConfig = new Map<string, TopicSpec[]>();
  for (const spec of missing) {
    const key = JSON.stringify(configList(spec.configs));
    byConfig.set(key, [...(byConfig.get(key) ?? []), spec]);
  }
  for (const specsAlike of byConfig.values()) {
    await admin.createTopics({
      topics: specsAlike.map(({ topic, partitions, replicationFactor }) => ({
        topic,
        partitions,
        replicas: replicationFactor,
      })),
      configs: configList(specsAlike[0].configs),
    });
  }
  await Promise.all(
    missing.map(({ topic, partitions }) =>
      answering(async () => {
        const answered = await partitionOffsets(admin, topic);
        if (answered.length < partitions) throw new Error(`${topic} has no leader for every partition yet`);
      }),
    ),
  );
  return missing.map(({ topic }) => topic);
}

/**
 * Creates what is missing of an instance's topic layout (the stack does the default exchange's, tests another
 * instance's, the chart's hook the deployed one's; the layout is the contracts', so every caller provisions the
 * same) and switches a compacted topic created before it was declared compacted (idempotent). Returns the topics
 * created.
 */
export async function ensureTopicLayout(admin: Admin, instance: string): Promise<string[]> {
  const created = await createMissingTopics(admin, topicLayout(instance));
  await admin.alterConfigs({
    resources: [...CompactedTopics].map((topic) => ({
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: topicForInstance(topic, instance),
      configs: configList(COMPACTED_TOPIC_CONFIG),
    })),
  });
  return created;
}

async function answering(read: () => Promise<void>, attempts = 100, delayMs = 100): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
