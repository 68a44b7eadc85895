import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch } from 'undici';
import { clusterPool } from '@gridex/kube-client';
import { LogLine, parseStampedLog } from '../domain/log-lines';

/** A pod whose log is followed, and where its lines come from. */
export interface FollowedPod {
  namespace: string;
  pod: string;
  node: string;
  /** When its workload started: the stream begins there, so a follower misses nothing of this pod. */
  startedAt: Date;
}

/** Lines of a pod's stream kept for the followers who join later (its newest; older ones are in the store). */
const REPLAY_LINES = 2000;

type Listener = (line: LogLine & { node: string }) => void;

interface Hub {
  listeners: Set<Listener>;
  /** What the stream gave so far (its newest REPLAY_LINES), replayed to a follower who joins later. */
  seen: Array<LogLine & { node: string }>;
  abort?: AbortController;
  closing: boolean;
}

/**
 * Live container output: one follow request per pod to the API server's log endpoint (the kubelet streams lines
 * as the container writes them), shared by everyone following that pod, closed when the last of them leaves.
 * So a hundred people following one job cost the cluster one stream per pod, not a hundred.
 */
@Injectable()
export class LiveLogs implements OnApplicationShutdown {
  private readonly logger = new Logger(LiveLogs.name);
  private readonly hubs = new Map<string, Hub>();

  constructor(@Inject(KubeConfig) private readonly kubeConfig: KubeConfig) {}

  onApplicationShutdown(): void {
    for (const hub of this.hubs.values()) hub.abort?.abort();
  }

  /** Calls `listener` with each line the pod writes from now on, until the returned function is called. */
  follow(pod: FollowedPod, listener: Listener): () => void {
    const key = `${pod.namespace}/${pod.pod}`;
    let hub = this.hubs.get(key);
    if (!hub) {
      const created: Hub = { listeners: new Set(), seen: [], closing: false };
      this.hubs.set(key, created);
      hub = created;
      void this.open(pod, created);
    }
    for (const line of hub.seen) listener(line);
    hub.listeners.add(listener);
    const own = hub;
    return () => {
      own.listeners.delete(listener);
      if (own.listeners.size === 0 && this.hubs.get(key) === own) {
        own.closing = true;
        this.hubs.delete(key);
        own.abort?.abort();
      }
    };
  }

  /**
   * Follows the pod's log endpoint itself rather than through client-node's `Log`, whose 2.x leaves the response
   * stream's errors unhandled: aborting a follow there ends the process. Each stream has a connection of its own,
   * so a hundred followed pods do not hold the API calls' pool.
   */
  private async open(pod: FollowedPod, hub: Hub): Promise<void> {
    const abort = new AbortController();
    hub.abort = abort;
    if (hub.closing) return;
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) return;
    const url = new URL(`${cluster.server}/api/v1/namespaces/${pod.namespace}/pods/${pod.pod}/log`);
    url.searchParams.set('container', 'main');
    url.searchParams.set('follow', 'true');
    url.searchParams.set('timestamps', 'true');
    // From the workload's start, to the second (RFC 3339): the same second the kept log starts at (startStamp);
    // followers drop by timestamp what they already had from the store.
    url.searchParams.set('sinceTime', pod.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'));
    const context = new RequestContext(url.toString(), HttpMethod.GET);
    const pool = await clusterPool(this.kubeConfig, 1);
    let partial = '';
    try {
      await this.kubeConfig.applySecurityAuthentication(context);
      const response = await fetch(url, {
        headers: context.getHeaders(),
        dispatcher: pool ?? context.getDispatcher(),
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new Error(`the log endpoint answered ${response.status}`);
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        const text = partial + decoder.decode(chunk as Uint8Array, { stream: true });
        const end = text.lastIndexOf('\n');
        partial = end < 0 ? text : text.slice(end + 1);
        for (const parsed of parseStampedLog(end < 0 ? '' : text.slice(0, end + 1))) {
          const line = { ...parsed, node: pod.node };
          hub.seen.push(line);
          if (hub.seen.length > REPLAY_LINES) hub.seen.shift();
          for (const listener of hub.listeners) listener(line);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) {
        this.logger.warn(`following ${pod.namespace}/${pod.pod} failed: ${(error as Error).message}`);
      }
    } finally {
      await pool?.destroy().catch(() => undefined);
    }
  }
}
