import { CoreV1Api } from '@kubernetes/client-node';
import { createAdmin } from '@gridex/kafka-client';
import { eventually, provisionInstanceTopics, queryStack, testKafka } from './real-stack';
import { testKubeConfig } from './kubernetes';
import { removeInstance, sweepTestInstances, testInstance } from './test-instances';

/**
 * What a test instance leaves on the shared stack (topics, schemas, namespaces) is removed by name, and nothing of
 * the default exchange or of an instance that is not a test's is ever touched.
 */
describe('test instances on the shared stack', () => {
  const core = testKubeConfig().makeApiClient(CoreV1Api);
  const admin = createAdmin(testKafka());

  afterAll(() => admin.close());

  /** Leaves what a killed test run of `instance` would leave: its topics, a schema and a workload namespace. */
  async function leaveBehind(instance: string): Promise<void> {
    await provisionInstanceTopics(instance);
    await queryStack(`CREATE SCHEMA IF NOT EXISTS "${instance}_billing"`);
    await core.createNamespace({ body: { metadata: { name: `${instance}-t-acme-0123abcd` } } });
  }

  const gone = { topics: 0, schemas: 0, namespace: expect.stringMatching(/gone|Terminating/) };

  async function leftOf(instance: string) {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`gridex-${instance}.`));
    const schemas = await queryStack(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [
      `${instance}_billing`,
    ]);
    const namespace = await core
      .readNamespace({ name: `${instance}-t-acme-0123abcd` })
      .then((ns) => ns.status?.phase ?? 'Active')
      .catch(() => 'gone');
    return { topics: topics.length, schemas: schemas.length, namespace };
  }

  it.each([
    ['a role of 1 to 3 letters', 'fa', /^tstfa[0-9a-f]{6}$/],
    ['a single letter', 'b', /^tstb[0-9a-f]{6}$/],
  ])('names an instance with %s', (_, role, pattern) => {
    expect(testInstance(role)).toMatch(pattern);
  });

  it.each([
    ['four letters', 'abcd'],
    ['a digit', 'a1'],
    ['nothing', ''],
  ])('refuses a role of %s', (_, role) => {
    expect(() => testInstance(role)).toThrow(/role is 1 to 3 lower-case letters/);
  });

  it("sweeps every test instance's leftovers, and only theirs", async () => {
    const [first, second] = [testInstance('a'), testInstance('b')];
    const other = `keep${first.slice(-6)}`;
    for (const instance of [first, second, other]) await leaveBehind(instance);
    const before = await leftOf(first);
    expect(before).toMatchObject({ schemas: 1, namespace: 'Active' });
    expect(before.topics).toBeGreaterThan(50);

    const removed = await sweepTestInstances();
    expect(removed.topics).toBeGreaterThanOrEqual(2 * before.topics);
    expect(removed.schemas).toBeGreaterThanOrEqual(2);
    // The broker answers a deletion before every metadata read agrees.
    await eventually(async () => {
      for (const instance of [first, second]) expect(await leftOf(instance)).toEqual(gone);
    });
    // Not a test's instance, and not the default exchange: untouched.
    expect(await leftOf(other)).toEqual({ ...before, namespace: 'Active' });
    expect((await admin.listTopics()).some((topic) => topic.startsWith('gridex.billing.'))).toBe(true);

    await removeInstance(other);
    await eventually(async () => expect(await leftOf(other)).toEqual(gone));
  }, 120_000);
});
