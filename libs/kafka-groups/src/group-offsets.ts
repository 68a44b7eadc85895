import { Kafka } from 'kafkajs';

/**
 * Starts a consumer group at the current ends of `topics`. A new group would otherwise start at the beginning
 * of the shared topics and replay every earlier run; tests and benchmarks that launch a service want only the
 * events they produce themselves, and a local start skips what those left behind.
 *
 * A group that has members (a running consumer, or one killed without leaving, until its session expires) is
 * left as it is: its positions are its members', and joining it would rebalance them (or, with a member of a
 * client speaking another assignment protocol, not be let in at all).
 */
export async function startGroupAtEnd(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<void> {
  // One short-lived member joins the group, takes every partition and commits the topics' ends. (kafkajs's
  // admin.setOffsets does the same one topic at a time, waiting about 5 s for a fetch each time.)
  const admin = kafka.admin();
  await admin.connect();
  const { groups } = await admin.describeGroups([groupId]);
  if (groups.some((group) => group.members.length > 0)) {
    await admin.disconnect();
    return;
  }
  const offsets = (
    await Promise.all(
      topics.map(async (topic) =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({
          topic,
          partition,
          offset: high,
        })),
      ),
    )
  ).flat();
  await admin.disconnect();
  const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await member.connect();
  try {
    const joined = new Promise<void>((resolve) => member.on(member.events.GROUP_JOIN, () => resolve()));
    await member.subscribe({ topics: [...topics], fromBeginning: false });
    await member.run({ autoCommit: false, eachBatch: async () => undefined });
    await joined;
    member.pause(topics.map((topic) => ({ topic })));
    await member.commitOffsets(offsets);
  } finally {
    await member.disconnect();
  }
}
