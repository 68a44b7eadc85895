import { Topics } from '@gridex/contracts';
import { startGroupAtEnd } from '@gridex/kafka-client';
import { createAdmin, partitionOffsets } from '@gridex/kafka-client';

/** Where a partition's retained events begin and end. */
export interface PartitionBounds {
  low: bigint;
  high: bigint;
}

/**
 * The events a consumer group would read on start: from its committed offset to the end of each partition, and
 * where it has committed nothing (`-1`: a group that never read the topic, or does not exist yet), everything
 * retained, since a new group starts at the earliest offset.
 */
export function unreadEvents(
  committed: ReadonlyArray<{
    topic: string;
    partitions: ReadonlyArray<{ partition: number; offset: string }>;
  }>,
  bounds: ReadonlyMap<string, ReadonlyMap<number, PartitionBounds>>,
): bigint {
  let unread = 0n;
  for (const { topic, partitions } of committed) {
    for (const { partition, offset } of partitions) {
      const bound = bounds.get(topic)?.get(partition);
      if (!bound) continue;
      const from = offset === '-1' ? bound.low : BigInt(offset);
      if (bound.high > from) unread += bound.high - from;
    }
  }
  return unread;
}

/**
 * Events `npm start`'s services have not read yet, per consumer group. On this machine the stack is shared:
 * tests and benchmarks write millions of events to the same topics, none of them about the local system's own
 * world, whether before the first start (a group that does not exist yet would read them all from the
 * beginning) or between two starts. More than `limit` unread events can only be theirs (the demo itself writes
 * a few thousand), so such a group is moved to the topics' ends instead of replaying them for minutes.
 */
export async function skipStaleBacklog(
  brokers: string,
  services: readonly string[],
  limit: number,
  say: (line: string) => void,
): Promise<void> {
  const kafka = { clientId: 'gridex-start', brokers: brokers.split(',') };
  const topics = Object.values(Topics);
  const admin = createAdmin(kafka);
  const bounds = new Map<string, Map<number, PartitionBounds>>();
  const stale: Array<{ group: string; unread: bigint }> = [];
  try {
    for (const topic of topics) {
      const partitions = await partitionOffsets(admin, topic);
      bounds.set(topic, new Map(partitions.map(({ partition, low, high }) => [partition, { low, high }])));
    }
    for (const service of services) {
      const group = `gridex-${service}`;
      const [listed] = await admin.listConsumerGroupOffsets({
        groups: [
          {
            groupId: group,
            topics: topics.map((name) => ({ name, partitionIndexes: partitionsOf(bounds, name) })),
          },
        ],
      });
      const committed = (listed?.topics ?? []).map(({ name, partitions }) => ({
        topic: name,
        partitions: partitions.map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset.toString(),
        })),
      }));
      const unread = unreadEvents(committed, bounds);
      if (unread > BigInt(limit)) stale.push({ group, unread });
    }
  } finally {
    await admin.close();
  }
  for (const { group, unread } of stale) {
    say(`${group}: skipping ${unread} events other runs (tests, benchmarks) left on the shared topics`);
    await startGroupAtEnd(kafka, group, topics);
  }
}

const partitionsOf = (bounds: ReadonlyMap<string, ReadonlyMap<number, PartitionBounds>>, topic: string) => [
  ...(bounds.get(topic)?.keys() ?? []),
];
