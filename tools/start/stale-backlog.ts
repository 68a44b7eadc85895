import { Kafka } from 'kafkajs';
import { Topics } from '@gridex/contracts';
import { startGroupAtEnd } from '@gridex/kafka-groups';

/**
 * Events `npm start`'s services have not read yet, per consumer group. On this machine the stack is shared:
 * tests and benchmarks write millions of events to the same topics between two starts, none of them about the
 * local system's own world. More than `limit` unread events can only be theirs (the demo itself writes a few
 * thousand), so such a group is moved to the topics' ends instead of replaying them for minutes.
 */
export async function skipStaleBacklog(
  brokers: string,
  services: readonly string[],
  limit: number,
  say: (line: string) => void,
): Promise<void> {
  const kafka = new Kafka({ clientId: 'gridex-start', brokers: brokers.split(','), logLevel: 0 });
  const topics = Object.values(Topics);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  for (const topic of topics) {
    ends.set(
      topic,
      new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)])),
    );
  }
  const stale: Array<{ group: string; unread: bigint }> = [];
  for (const service of services) {
    const group = `gridex-${service}`;
    let unread = 0n;
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group, topics })) {
      for (const { partition, offset } of partitions) {
        // A group that never read a topic (-1) has nothing of its own there to resume.
        if (offset === '-1') continue;
        unread += (ends.get(topic)?.get(partition) ?? 0n) - BigInt(offset);
      }
    }
    if (unread > BigInt(limit)) stale.push({ group, unread });
  }
  await admin.disconnect();
  for (const { group, unread } of stale) {
    say(`${group}: skipping ${unread} events other runs (tests, benchmarks) left on the shared topics`);
    await startGroupAtEnd(kafka, group, topics);
  }
}
