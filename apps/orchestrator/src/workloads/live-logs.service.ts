import { Writable } from 'node:stream';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { KubeConfig, Log } from '@kubernetes/client-node';
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
  private readonly log: Log;

  constructor(@Inject(KubeConfig) kubeConfig: KubeConfig) {
    this.log = new Log(kubeConfig);
  }

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

  private async open(pod: FollowedPod, hub: Hub): Promise<void> {
    let partial = '';
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const text = partial + chunk.toString('utf8');
        const end = text.lastIndexOf('\n');
        partial = end < 0 ? text : text.slice(end + 1);
        for (const parsed of parseStampedLog(end < 0 ? '' : text.slice(0, end + 1))) {
          const line = { ...parsed, node: pod.node };
          hub.seen.push(line);
          if (hub.seen.length > REPLAY_LINES) hub.seen.shift();
          for (const listener of hub.listeners) listener(line);
        }
        done();
      },
    });
    try {
      // From the workload's start: followers drop by timestamp what they already had from the store.
      hub.abort = await this.log.log(pod.namespace, pod.pod, 'main', sink, {
        follow: true,
        timestamps: true,
        // RFC 3339 to the second: the same second the kept log starts at (startStamp).
        sinceTime: pod.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
      });
      if (hub.closing) hub.abort.abort();
    } catch (error) {
      this.logger.warn(`following ${pod.namespace}/${pod.pod} failed: ${(error as Error).message}`);
    }
  }
}
