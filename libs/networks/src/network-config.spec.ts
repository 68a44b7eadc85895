import { parseNetworks } from './network-config';

const peer = {
  id: 'peer-b',
  kind: 'gridex',
  baseUrl: 'http://127.0.0.1:9080',
  apiKey: 'gdx_key_of_gridex_there',
};

describe('NETWORKS', () => {
  it('is empty when unset, and fills in the defaults', () => {
    expect(parseNetworks(undefined)).toEqual([]);
    expect(parseNetworks(JSON.stringify([peer]))).toEqual([
      {
        ...peer,
        feeBps: 1000,
        trust: 'probation',
        timeoutMs: 5000,
        failureThreshold: 3,
        openSeconds: 30,
        offersMaxAgeSeconds: 60,
      },
    ]);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '[{', /NETWORKS: must be a JSON array/],
    ['an unknown adapter', JSON.stringify([{ ...peer, kind: 'vast' }]), /NETWORKS\[0\]\.kind/],
    ['a bad id', JSON.stringify([{ ...peer, id: 'Peer B' }]), /NETWORKS\[0\]\.id: must be lower-case/],
    ['a fee over 100 %', JSON.stringify([{ ...peer, feeBps: 10_001 }]), /NETWORKS\[0\]\.feeBps/],
    ['an unknown field', JSON.stringify([{ ...peer, secret: 1 }]), /NETWORKS\[0\]/],
    ['the same network twice', JSON.stringify([peer, peer]), /"peer-b" is configured twice/],
  ])('refuses %s, naming the entry and field', (_name, json, message) => {
    expect(() => parseNetworks(json)).toThrow(message);
  });
});
