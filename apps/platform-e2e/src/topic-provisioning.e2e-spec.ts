import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CompactedTopics, topicForInstance, topicLayout } from '@gridex/contracts';
import { ConfigResourceTypes } from '@platformatic/kafka';
import { removeInstance, stackEnv, testInstance, withAdmin } from '@gridex/testing';

/**
 * `<service> --provision-topics`, what the Helm chart's hook runs before any service starts: the built process
 * creates an exchange's whole topic layout on the brokers (compaction included), once, and refuses bad settings.
 */
describe('provisioning the topic layout from a service image', () => {
  const instance = testInstance('tp');
  const main = path.resolve(__dirname, '..', '..', '..', 'dist', 'apps', 'billing', 'src', 'main.js');
  const provision = (env: Record<string, string>) =>
    spawnSync(process.execPath, [main, '--provision-topics'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', GRIDEX_INSTANCE: instance, ...env },
      timeout: 120_000,
    });

  afterAll(() => removeInstance(instance));

  it('creates every topic of the layout once, compacted where the contracts say, and refuses bad brokers', async () => {
    const first = provision({ KAFKA_BROKERS: stackEnv().KAFKA_BROKERS });
    expect([first.status, first.stderr]).toEqual([
      0,
      expect.stringMatching(/topic layout provisioned: \d+ topic\(s\) created/),
    ]);
    await withAdmin(async (admin) => {
      const topics = new Set(await admin.listTopics());
      const wanted = topicLayout(instance);
      expect(wanted.filter(({ topic }) => !topics.has(topic))).toEqual([]);
      const [compacted] = [...CompactedTopics].map((topic) => topicForInstance(topic, instance));
      const [described] = await admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: compacted,
            configurationKeys: ['cleanup.policy'],
          },
        ],
      });
      expect(described.configs.map(({ name, value }) => [name, value])).toEqual([
        ['cleanup.policy', 'compact'],
      ]);
    });
    // Again: nothing to create, still a success (the hook runs on every upgrade).
    const again = provision({ KAFKA_BROKERS: stackEnv().KAFKA_BROKERS });
    expect([again.status, again.stderr]).toEqual([0, expect.stringContaining('0 topic(s) created')]);
    const bad = provision({ KAFKA_BROKERS: 'not a broker' });
    expect([bad.status, bad.stderr]).toEqual([1, expect.stringContaining('KAFKA_BROKERS must be host:port')]);
  });
});
