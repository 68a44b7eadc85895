import { createAdmin, KafkaEndpoint, partitionOffsets } from './kafka-clients';

/**
 * Starts a consumer group at the current ends of `topics`. A new group would otherwise start at the beginning
 * of the shared topics and replay every earlier run; tests and benchmarks that launch a service want only the
 * events they produce themselves, and a local start skips what those left behind.
 *
 * A group that has members (a running consumer, or one killed without leaving, until its session expires) is
 * left as it is: its positions are its members', and the broker refuses offsets committed from outside a group
 * that has members.
 */
export async function startGroupAtEnd(
  kafka: KafkaEndpoint,
  groupId: string,
  topics: readonly string[],
): Promise<void> {
  const admin = createAdmin(kafka);
  try {
    const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
    if (group && group.members.size > 0) return;
    // Committed as an administrator does (no member, no generation): the group needs no join to be positioned.
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: await Promise.all(
        topics.map(async (name) => ({
          name,
          partitionOffsets: (await partitionOffsets(admin, name)).map(({ partition, high }) => ({
            partition,
            offset: high,
          })),
        })),
      ),
    });
  } finally {
    await admin.close();
  }
}
