import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, Dispatcher } from 'undici';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/**
 * A connection pool to `config`'s current cluster with at most `connections` connections, made from the TLS
 * settings (CA, client certificate, server name) client-node would use. Undefined where client-node's own
 * dispatchers must serve: a cluster behind a proxy, or plain HTTP.
 */
export async function clusterPool(config: KubeConfig, connections: number): Promise<Dispatcher | undefined> {
  const request: https.RequestOptions = {};
  await config.applyToHTTPSOptions(request);
  const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = request;
  const planned = config.createDispatcherOptions(config.getCurrentCluster(), {
    ca,
    cert,
    key,
    pfx,
    passphrase,
    rejectUnauthorized,
    servername,
  });
  // 'agent' is a direct TLS connection; 'proxy', 'socks' and 'none' (plain HTTP) stay as client-node makes them.
  if (planned.type !== 'agent') return undefined;
  return new Agent({ connect: planned.connect, connections });
}

/**
 * A kubeconfig whose API clients keep their connections open. `@kubernetes/client-node` (2.x as 1.x) builds a
 * new connection pool for every request, so every call paid a TLS handshake with a client certificate on both
 * ends: under load that was about 15 % of the orchestrator's CPU, and more of the API server's. Here one pool
 * serves every request of this config, on at most `maxConnections` connections. A request that holds its
 * connection open for long (a followed log) should bring a pool of its own (`clusterPool`), or it takes one of
 * these.
 *
 * The pool keeps the credentials it was made with: a client certificate is read once (a rotated certificate
 * takes a restart), while bearer tokens travel as headers and are fresh on every request.
 */
export class KeepAliveKubeConfig extends KubeConfig {
  private pool?: Promise<Dispatcher | undefined>;

  constructor(private readonly maxConnections = 64) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    this.pool ??= clusterPool(this, this.maxConnections);
    const pool = await this.pool;
    if (pool) context.setDispatcher(pool);
  }
}
