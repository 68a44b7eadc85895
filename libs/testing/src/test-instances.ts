import { CoreV1Api } from '@kubernetes/client-node';
import { INSTANCE_PATTERN } from '@gridex/contracts';
import { createAdmin } from '@gridex/kafka-client';
import { queryStack, testKafka, uniqueSuffix } from './real-stack';
import { testKubeConfig } from './kubernetes';

/**
 * The exchanges tests and benchmarks start beside the default one (`GRIDEX_INSTANCE`). Each brings the whole topic
 * layout (some 275 partitions), six schemas and its namespaces, and the broker keeps a few files open per
 * partition: left behind run after run, they exhaust its file descriptors and Kafka stops. So every such instance
 * is named `tst…`, removed when its test ends, and whatever a killed run left is swept before the next test run.
 */
const TEST_INSTANCE_PREFIX = 'tst';

/** A fresh instance name for a test or benchmark: `tst`, a 1–3 letter role (`a`, `b`, `fa` …), six hex digits. */
export function testInstance(role: string): string {
  const instance = `${TEST_INSTANCE_PREFIX}${role}${uniqueSuffix().slice(0, 6)}`;
  if (!/^[a-z]{1,3}$/.test(role) || !INSTANCE_PATTERN.test(instance)) {
    throw new RangeError(`a test instance's role is 1 to 3 lower-case letters (got "${role}")`);
  }
  return instance;
}

export interface RemovedLeftovers {
  topics: number;
  schemas: number;
  namespaces: number;
}

/** Removes one instance's topics, schemas and namespaces (its services must have stopped). */
export function removeInstance(instance: string): Promise<RemovedLeftovers> {
  return removeWhere((name) => name === instance);
}

/** Removes what every test instance left on the stack; run before a test run, when no test is running. */
export function sweepTestInstances(): Promise<RemovedLeftovers> {
  return removeWhere((name) => name.startsWith(TEST_INSTANCE_PREFIX) && INSTANCE_PATTERN.test(name));
}

/**
 * Instance of a topic (`gridex-<instance>.…`), schema (`<instance>_<service>`) or namespace
 * (`gridex-<instance>-system`, `<instance>-t-…`); undefined for the default exchange's names.
 */
function instanceOf(name: string, kind: 'topic' | 'schema' | 'namespace'): string | undefined {
  const match =
    kind === 'topic'
      ? /^gridex-([a-z0-9]+)\./.exec(name)
      : kind === 'schema'
        ? /^([a-z0-9]+)_/.exec(name)
        : (/^gridex-([a-z0-9]+)-system$/.exec(name) ?? /^([a-z0-9]+)-t-/.exec(name));
  return match?.[1];
}

async function removeWhere(isRemoved: (instance: string) => boolean): Promise<RemovedLeftovers> {
  const removed = (name: string, kind: 'topic' | 'schema' | 'namespace') => {
    const instance = instanceOf(name, kind);
    return instance !== undefined && isRemoved(instance);
  };

  const admin = createAdmin(testKafka(), 60_000);
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((topic) => removed(topic, 'topic'));
    // A few hundred at a time: one request naming thousands of topics outlives the broker's request timeout.
    for (let at = 0; at < topics.length; at += 200) {
      await admin.deleteTopics({ topics: topics.slice(at, at + 200) });
    }
  } finally {
    await admin.close();
  }

  const schemas = (
    await queryStack<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname ~ '^[a-z0-9]+_'`,
    )
  )
    .map((row) => row.name)
    .filter((schema) => removed(schema, 'schema'));
  for (const schema of schemas) await queryStack(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);

  const core = testKubeConfig().makeApiClient(CoreV1Api);
  const namespaces = (await core.listNamespace()).items
    .filter((namespace) => namespace.status?.phase !== 'Terminating')
    .map((namespace) => namespace.metadata?.name ?? '')
    .filter((namespace) => removed(namespace, 'namespace'));
  for (const name of namespaces) await core.deleteNamespace({ name }).catch(() => undefined);

  return { topics: topics.length, schemas: schemas.length, namespaces: namespaces.length };
}
