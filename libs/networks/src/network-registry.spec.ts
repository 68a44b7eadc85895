import { NetworkAdapter, NetworkAnswerInvalid, NetworkOffer, NetworkRefused } from './network-adapter';
import { parseNetworks } from './network-config';
import { NetworkRegistry, NetworkTimeout, NetworkUnavailable } from './network-registry';

const offer: NetworkOffer = {
  offerId: 'c/n-1',
  region: 'eu-north',
  gpuProduct: 'NVIDIA-H100-80GB-HBM3',
  gpuMemoryMiB: 81_920,
  gpusPerNode: 8,
  nodes: 1,
  interconnect: 'nvlink',
  pricePerGpuHourMicros: '2100000',
  reliabilityBps: 9900,
};

/** A network whose answers the test sets, one behaviour per call. */
class ScriptedNetwork implements NetworkAdapter {
  readonly kind = 'scripted';
  next: 'ok' | 'hang' | 'fail' | 'garbage' | 'refuse' = 'ok';
  calls = 0;
  private answer<T>(value: T, signal: AbortSignal): Promise<T> {
    this.calls += 1;
    if (this.next === 'fail') return Promise.reject(new Error('503 from the network'));
    if (this.next === 'refuse') return Promise.reject(new NetworkRefused('', 'call', '402 no credit'));
    if (this.next === 'garbage') return Promise.resolve({ offers: 'lots' } as unknown as T);
    if (this.next === 'hang')
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return Promise.resolve(value);
  }
  discover(signal: AbortSignal) {
    return this.answer([offer], signal);
  }
  quote(_: unknown, signal: AbortSignal) {
    return this.answer({ feasible: true, reasons: [] }, signal);
  }
  place(_: unknown, key: string, signal: AbortSignal) {
    return this.answer({ externalJobId: `job-${key}`, status: 'queued' as const }, signal);
  }
  status(id: string, signal: AbortSignal) {
    return this.answer({ externalJobId: id, status: 'running' as const }, signal);
  }
  cancel(_: string, signal: AbortSignal) {
    return this.answer(undefined, signal);
  }
  usage(_: string, signal: AbortSignal) {
    return this.answer({ gpuSeconds: 10, chargedMicros: '100' }, signal);
  }
}

describe('NetworkRegistry: every call guarded by timeout, breaker and validation', () => {
  let now = 0;
  const setup = () => {
    const network = new ScriptedNetwork();
    const [config] = parseNetworks(
      JSON.stringify([
        {
          id: 'peer',
          kind: 'gridex',
          baseUrl: 'http://x',
          apiKey: 'k'.repeat(10),
          timeoutMs: 100,
          failureThreshold: 2,
          openSeconds: 10,
          offersMaxAgeSeconds: 60,
        },
      ]),
    );
    return { network, registry: new NetworkRegistry([{ config, adapter: network }], () => now) };
  };

  it('keeps fresh offers routable, and lets stale ones age out', async () => {
    now = 0;
    const { registry } = setup();
    expect(await registry.refreshOffers()).toBe(1);
    expect(registry.routableOffers()).toEqual([
      expect.objectContaining({ networkId: 'peer', offers: [offer] }),
    ]);
    now = 61_000;
    expect(registry.routableOffers()).toEqual([]);
  });

  it('trips the breaker on timeouts, refuses calls while open, and closes after a good probe', async () => {
    now = 0;
    const { network, registry } = setup();
    network.next = 'hang';
    await expect(registry.status('peer', 'j')).rejects.toThrow(NetworkTimeout);
    await expect(registry.status('peer', 'j')).rejects.toThrow(NetworkTimeout);
    expect(registry.health()[0]).toMatchObject({ breaker: 'open', consecutiveFailures: 2 });
    network.next = 'ok';
    const calls = network.calls;
    await expect(registry.status('peer', 'j')).rejects.toThrow(NetworkUnavailable);
    expect(network.calls).toBe(calls); // refused without calling the network
    expect(registry.routableOffers()).toEqual([]);
    now = 10_001;
    await expect(registry.status('peer', 'j')).resolves.toMatchObject({ status: 'running' });
    expect(registry.health()[0]).toMatchObject({
      breaker: 'closed',
      consecutiveFailures: 0,
      lastError: null,
    });
  });

  it('refuses an answer that does not validate, with the reason, and counts it as a failure', async () => {
    now = 0;
    const { network, registry } = setup();
    network.next = 'garbage';
    const refused = registry.place('peer', { spec: {} as never, image: 'i', command: [] }, 'key-1');
    await expect(refused).rejects.toThrow(NetworkAnswerInvalid);
    await expect(refused).rejects.toThrow(/externalJobId: /);
    expect(registry.health()[0]).toMatchObject({ consecutiveFailures: 1, breaker: 'closed' });
    network.next = 'fail';
    await expect(registry.refreshOffers()).resolves.toBe(0);
    expect(registry.health()[0]).toMatchObject({ breaker: 'open', lastError: expect.stringMatching(/503/) });
  });

  it('passes a refusal on under the network’s name, without counting it against the breaker', async () => {
    now = 0;
    const { network, registry } = setup();
    network.next = 'refuse';
    for (let i = 0; i < 3; i += 1) {
      const refused = registry.place('peer', { spec: {} as never, image: 'i', command: [] }, 'key-1');
      await expect(refused).rejects.toBeInstanceOf(NetworkRefused);
      await expect(refused).rejects.toThrow('network peer refused place: 402 no credit');
    }
    expect(registry.health()[0]).toMatchObject({ breaker: 'closed', consecutiveFailures: 0 });
  });

  it('refuses a network nobody configured', async () => {
    const { registry } = setup();
    await expect(registry.usage('elsewhere', 'j')).rejects.toThrow(/not configured/);
  });
});
