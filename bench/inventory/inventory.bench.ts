/**
 * Inventory benchmark: how fast the capacity feed is complete for a whole fleet, and how many node changes per
 * second inventory turns into feed updates.
 *
 *   npm run bench:inventory -- [--nodes 10000] [--updates 10000]
 *
 * Starts the built inventory service on a schema of its own, publishes `node-observed` events for a synthetic
 * cluster straight to Kafka (as the orchestrator would), and measures
 * - resyncSeconds: from the first event to every node's state in the capacity book and published (outbox empty);
 * - updatesPerSecond: readiness flips for every node, from the first to the last one published on the feed.
 * Writes bench/results/inventory.json. Needs the stack (`npm run stack:up`) and a build (`npm run build`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createEvent, NodeObserved, NodeObservedPayload, Topics } from '@gridex/contracts';
import {
  dropSchema,
  launchService,
  stackEnv,
  testKafka,
  uniqueSuffix,
  untilReady,
  testPublisher,
} from '@gridex/testing';

const { values: args } = parseArgs({
  options: { nodes: { type: 'string', default: '10000' }, updates: { type: 'string', default: '10000' } },
});
const NODES = Number(args.nodes);
const UPDATES = Number(args.updates);
const CLUSTER = `bench-${uniqueSuffix()}`;

function observation(
  index: number,
  kind: NodeObservedPayload['observation'],
  ready: boolean,
  at: Date,
): NodeObservedPayload {
  const resources = { gpus: 8, cpuMillis: 192_000, memoryMiB: 2_097_152 };
  return {
    clusterId: CLUSTER,
    nodeName: `bench-node-${index}`,
    observation: kind,
    observedAt: at.toISOString(),
    resourceVersion: String(index),
    ready,
    supplierId: `bench-supplier-${index % 100}`,
    pool: 'h100',
    region: ['eu-north', 'us-east', 'ap-southeast'][index % 3],
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    gpuMemoryMiB: 81559,
    interconnect: 'infiniband',
    capacity: resources,
    allocatable: resources,
  };
}

async function main(): Promise<void> {
  const kafka = testKafka();
  const producer = testPublisher(kafka);
  // launchService starts the group at the topics' ends: only this run's events are measured.
  const groupId = `bench-inventory-${uniqueSuffix()}`;
  const inventory = await launchService('inventory', {
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '20',
    KAFKA_CONSUMER_GROUP: groupId,
  });
  await untilReady(inventory);
  const database = new Client({ connectionString: stackEnv().DATABASE_URL });
  await database.connect();
  const schema = inventory.schema;

  const publish = async (payloads: NodeObservedPayload[]) => {
    for (let i = 0; i < payloads.length; i += 1000) {
      await producer.send(
        Topics.nodeObserved,
        payloads.slice(i, i + 1000).map((payload) => ({
          key: `${payload.clusterId}/${payload.nodeName}`,
          value: JSON.stringify(
            createEvent(NodeObserved, payload, { correlationId: CLUSTER, causationId: null }),
          ),
        })),
      );
    }
  };
  const waitUntil = async (what: string, done: () => Promise<boolean>) => {
    const deadline = Date.now() + 10 * 60_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const count = async (sql: string, values: unknown[] = []) =>
    Number((await database.query(sql, values)).rows[0].n);
  const unpublished = () => count(`SELECT count(*) AS n FROM "${schema}".outbox`);

  try {
    console.log(`resync: ${NODES} nodes appear ...`);
    const t0 = performance.now();
    const now = new Date();
    await publish(Array.from({ length: NODES }, (_, i) => observation(i, 'added', true, now)));
    await waitUntil(
      'the complete book',
      async () =>
        (await count(`SELECT count(*) AS n FROM "${schema}".nodes WHERE cluster_id = $1`, [CLUSTER])) ===
          NODES && (await unpublished()) === 0,
    );
    const resyncSeconds = (performance.now() - t0) / 1000;
    console.log(`  ${resyncSeconds.toFixed(1)} s`);

    console.log(`updates: ${UPDATES} readiness changes ...`);
    const revisionsBefore = await count(
      `SELECT sum(revision) AS n FROM "${schema}".nodes WHERE cluster_id = $1`,
      [CLUSTER],
    );
    const t1 = performance.now();
    const later = new Date(now.getTime() + 60_000);
    await publish(
      Array.from({ length: UPDATES }, (_, i) => observation(i % NODES, 'not-ready', false, later)),
    );
    await waitUntil(
      'every update on the feed',
      async () =>
        (await count(`SELECT sum(revision) AS n FROM "${schema}".nodes WHERE cluster_id = $1`, [CLUSTER])) >=
          revisionsBefore + UPDATES && (await unpublished()) === 0,
    );
    const updateSeconds = (performance.now() - t1) / 1000;

    const result = {
      nodes: NODES,
      resyncSeconds: Number(resyncSeconds.toFixed(2)),
      resyncNodesPerSecond: Math.round(NODES / resyncSeconds),
      updates: UPDATES,
      updatesPerSecond: Math.round(UPDATES / updateSeconds),
      measuredAt: new Date().toISOString(),
    };
    const outFile = path.resolve(__dirname, '..', 'results', 'inventory.json');
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log('\n| metric | value |\n|---|---|');
    for (const [key, value] of Object.entries(result)) console.log(`| ${key} | ${value} |`);
    console.log(`\nwritten to ${path.relative(process.cwd(), outFile)}`);
  } finally {
    await producer.close();
    await database.end();
    inventory.process.signal('SIGTERM');
    await inventory.process.exited;
    await dropSchema(schema);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
