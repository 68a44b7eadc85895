/**
 * `npm run bench:kafka-clients [-- --messages 50000 --rounds 3]`
 *
 * The two Kafka clients for Node.js this machine can install, side by side on the stack's broker, doing what the
 * messaging lib does: an idempotent producer sending event-sized messages (about 600 bytes, keyed, with an event
 * id header) in batches of 500 with acks=all, and a consumer group reading them back from the earliest offset,
 * committing after every fetched batch. Each round runs the clients in rotating order, each on a topic of its own
 * (6 partitions); the figures are each client's median over the rounds, with the CPU this process used per
 * thousand messages. Writes bench/results/kafka-clients.json.
 *
 * kafkajs 2.2.4 is the client the services use today; @platformatic/kafka is the maintained, pure-TypeScript
 * candidate. (@confluentinc/kafka-javascript builds librdkafka at install and downloads its dependencies' sources
 * from hosts this machine cannot reach, so it is not measured here; see the issue's note.)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { stackEnv } from '@gridex/testing';
import { percentile } from '../shared/measure';

const { values: args } = parseArgs({
  options: { messages: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' } },
});
const MESSAGES = Number(args.messages);
const ROUNDS = Number(args.rounds);
const BATCH = 500;
const PARTITIONS = 6;
const RUN = Date.now().toString(36);
const brokers = stackEnv().KAFKA_BROKERS.split(',');
const payload = JSON.stringify({
  eventId: randomUUID(),
  type: 'gridex.orchestrator.workload-started.v1',
  occurredAt: new Date().toISOString(),
  correlationId: randomUUID(),
  tenantId: 'tenant-bench',
  payload: {
    jobId: randomUUID(),
    workloadId: randomUUID(),
    nodeNames: ['bench-node-0001'],
    startedAt: new Date().toISOString(),
    detail: 'x'.repeat(300),
  },
});

interface Figures {
  produceMessagesPerSecond: number;
  consumeMessagesPerSecond: number;
  produceCpuMsPer1000: number;
  consumeCpuMsPer1000: number;
}

interface ClientUnderTest {
  name: string;
  produce(topic: string): Promise<void>;
  consume(topic: string, group: string): Promise<void>;
  createTopic(topic: string): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
}

const message = (index: number) => ({
  key: `job-${index % 997}`,
  value: payload,
  headers: { 'gridex-event-id': randomUUID() },
});

function kafkajsClient(): ClientUnderTest {
  const kafka = new Kafka({ clientId: `bench-kafkajs-${RUN}`, brokers, logLevel: logLevel.NOTHING });
  return {
    name: 'kafkajs 2.2.4',
    async createTopic(topic) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      await admin.disconnect();
    },
    async deleteTopic(topic) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
    async produce(topic) {
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      for (let sent = 0; sent < MESSAGES; sent += BATCH) {
        const count = Math.min(BATCH, MESSAGES - sent);
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, (_, i) => message(sent + i)),
        });
      }
      await producer.disconnect();
    },
    async consume(topic, group) {
      const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 500 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let received = 0;
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: true,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: 3,
            eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
              received += batch.messages.length;
              resolveOffset(batch.lastOffset());
              await commitOffsetsIfNecessary();
              if (received >= MESSAGES) resolve();
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
    },
  };
}

async function platformaticClient(): Promise<ClientUnderTest> {
  // ESM-only: loaded the way Node 22 loads it, on first use.
  const platformatic = await import('@platformatic/kafka');
  const { Admin, Consumer, Producer, stringSerializers } = platformatic;
  const base = { clientId: `bench-platformatic-${RUN}`, bootstrapBrokers: brokers };
  return {
    name: `@platformatic/kafka`,
    async createTopic(topic) {
      const admin = new Admin(base);
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
      await admin.close();
    },
    async deleteTopic(topic) {
      const admin = new Admin(base);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.close();
    },
    async produce(topic) {
      const producer = new Producer({ ...base, serializers: stringSerializers, idempotent: true, acks: -1 });
      for (let sent = 0; sent < MESSAGES; sent += BATCH) {
        const count = Math.min(BATCH, MESSAGES - sent);
        await producer.send({
          messages: Array.from({ length: count }, (_, i) => ({ topic, ...message(sent + i) })),
        });
      }
      await producer.close();
    },
    async consume(topic, group) {
      const consumer = new Consumer({ ...base, groupId: group, maxWaitTime: 500 });
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      let received = 0;
      // What the inbox consumer would do: take what has arrived (up to a batch), handle it as one batch, commit
      // its offsets.
      const batch: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number }> = [];
      for await (const record of stream) {
        batch.push(record);
        if (batch.length < BATCH && stream.readableLength > 0) continue;
        const last = new Map(batch.map((r) => [r.partition, r]));
        await consumer.commit({
          offsets: [...last.values()].map(({ topic: t, partition, offset, leaderEpoch }) => ({
            topic: t,
            partition,
            offset,
            leaderEpoch,
          })),
        });
        received += batch.length;
        batch.length = 0;
        if (received >= MESSAGES) break;
      }
      await stream.close();
      await consumer.close();
    },
  };
}

/** Runs `work` and returns its duration and this process's CPU time (ms). */
async function timed(work: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const clients = [kafkajsClient(), await platformaticClient()];
  const rounds = new Map<string, Figures[]>(clients.map((client) => [client.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = clients.map((_, i) => clients[(i + round) % clients.length]);
    for (const client of order) {
      const topic = `bench.kafka-clients.${RUN}.${round}.${client.name.replace(/[^a-z0-9]+/gi, '-')}`;
      await client.createTopic(topic);
      try {
        const produced = await timed(() => client.produce(topic));
        const consumed = await timed(() => client.consume(topic, `${topic}.group`));
        const figures: Figures = {
          produceMessagesPerSecond: Math.round((MESSAGES * 1000) / produced.ms),
          consumeMessagesPerSecond: Math.round((MESSAGES * 1000) / consumed.ms),
          produceCpuMsPer1000: Math.round((produced.cpuMs * 1000 * 10) / MESSAGES) / 10,
          consumeCpuMsPer1000: Math.round((consumed.cpuMs * 1000 * 10) / MESSAGES) / 10,
        };
        rounds.get(client.name)?.push(figures);
        console.log(`round ${round + 1}, ${client.name}: ${JSON.stringify(figures)}`);
      } finally {
        await client.deleteTopic(topic);
      }
    }
  }
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  const result = {
    messages: MESSAGES,
    batch: BATCH,
    partitions: PARTITIONS,
    rounds: ROUNDS,
    messageBytes: Buffer.byteLength(payload),
    clients: Object.fromEntries(
      [...rounds].map(([name, figures]) => [
        name,
        {
          produceMessagesPerSecond: median(figures.map((f) => f.produceMessagesPerSecond)),
          consumeMessagesPerSecond: median(figures.map((f) => f.consumeMessagesPerSecond)),
          produceCpuMsPer1000: median(figures.map((f) => f.produceCpuMsPer1000)),
          consumeCpuMsPer1000: median(figures.map((f) => f.consumeCpuMsPer1000)),
          rounds: figures,
        },
      ]),
    ),
    measuredAt: new Date().toISOString(),
  };
  console.table(
    Object.fromEntries(
      Object.entries(result.clients).map(([name, { rounds: _rounds, ...figures }]) => [name, figures]),
    ),
  );
  const outFile = path.resolve(__dirname, '..', 'results', 'kafka-clients.json');
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${path.relative(process.cwd(), outFile)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
