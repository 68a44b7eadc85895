import {
  instanceScoped,
  InvalidInstanceError,
  parseInstance,
  topicForInstance,
  topicPrefix,
} from './instance';

describe('instances on a shared stack', () => {
  it.each<[string | undefined, string]>([
    [undefined, ''],
    ['', ''],
    ['peer', 'peer'],
    ['b2', 'b2'],
  ])('GRIDEX_INSTANCE=%p is instance "%s"', (value, instance) => {
    expect(parseInstance(value)).toBe(instance);
  });

  it.each(['Peer', '2b', 'peer-b', 'peer_b', 'a'.repeat(13), ' peer'])(
    'refuses "%s", naming the setting',
    (value) => {
      expect(() => parseInstance(value)).toThrow(InvalidInstanceError);
      expect(() => parseInstance(value)).toThrow(/GRIDEX_INSTANCE/);
    },
  );

  it.each<[string, string, string]>([
    ['gridex.billing.usage-settled.v1', 'peer', 'gridex-peer.billing.usage-settled.v1'],
    ['gridex-peer.billing.usage-settled.v1', '', 'gridex.billing.usage-settled.v1'],
    ['gridex-a.matching.job-matched.v1.dlq', 'b', 'gridex-b.matching.job-matched.v1.dlq'],
    ['gridex.billing.usage-settled.v1', '', 'gridex.billing.usage-settled.v1'],
  ])('%s is %s in instance "%s"', (topic, instance, expected) => {
    expect(topicForInstance(topic, instance)).toBe(expected);
  });

  it('refuses what is not a Gridex topic', () => {
    expect(() => topicForInstance('orders.v1', 'b')).toThrow(RangeError);
    expect(() => topicForInstance('gridexx.billing.v1', 'b')).toThrow(RangeError);
  });

  it.each<[string, '-' | '_', string, string]>([
    ['billing', '_', '', 'billing'],
    ['billing', '_', 'peer', 'peer_billing'],
    ['local', '-', 'peer', 'peer-local'],
  ])('%s scoped with "%s" in instance "%s" is %s', (name, separator, instance, expected) => {
    expect(instanceScoped(name, separator, instance)).toBe(expected);
    expect(topicPrefix(instance)).toBe(instance === '' ? 'gridex' : `gridex-${instance}`);
  });
});
