import path from 'node:path';
import tls from 'node:tls';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from './keep-alive-kube-config';

/** The local stack's kubeconfig (`npm run stack:up`); read directly, as the test helpers build on this lib. */
const kubeconfigFile =
  process.env.KUBECONFIG ?? path.resolve(__dirname, '..', '..', '..', '.stack', 'kubeconfig');

/** TLS connections (handshakes) this process opens while `work` runs. */
async function connectionsOpenedBy(work: () => Promise<void>): Promise<number> {
  const connect = jest.spyOn(tls, 'connect');
  try {
    await work();
    return connect.mock.calls.length;
  } finally {
    connect.mockRestore();
  }
}

describe('KeepAliveKubeConfig against the real API server', () => {
  const calls = 20;
  const readTwenty = (config: KubeConfig) => async () => {
    const core = config.makeApiClient(CoreV1Api);
    for (let i = 0; i < calls; i += 1) await core.readNamespace({ name: 'default' });
  };

  it('makes one connection for many calls, where a plain kubeconfig makes one per call', async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(kubeconfigFile);
    const pooled = new KeepAliveKubeConfig();
    pooled.loadFromFile(kubeconfigFile);

    expect(await connectionsOpenedBy(readTwenty(plain))).toBe(calls);
    expect(await connectionsOpenedBy(readTwenty(pooled))).toBe(1);
  });

  it('runs concurrent calls on at most maxConnections connections', async () => {
    const pooled = new KeepAliveKubeConfig(4);
    pooled.loadFromFile(kubeconfigFile);
    const core = pooled.makeApiClient(CoreV1Api);
    const opened = await connectionsOpenedBy(async () => {
      await Promise.all(Array.from({ length: 40 }, () => core.readNamespace({ name: 'default' })));
    });
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(4);
  });
});
