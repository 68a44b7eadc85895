import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where the local stack keeps things:
 * - artifacts (Kafka jars, later the Kubernetes binaries) are cached per user under ~/.cache/gridex, so a second
 *   `up` downloads and builds nothing;
 * - runtime state (data directories, logs, pid files) lives under /var/tmp/gridex, which the unprivileged
 *   `postgres` user can reach even when the stack is started by root (whose home is private);
 * - the files other programs read (env, and later kubeconfig and bin/) are written to .stack/ in the checkout.
 * One stack serves every checkout on the machine: it listens on fixed loopback ports.
 */
export const StackPaths = {
  cacheDir: process.env.GRIDEX_CACHE_DIR ?? path.join(homedir(), '.cache', 'gridex'),
  stateDir: process.env.GRIDEX_STATE_DIR ?? '/var/tmp/gridex',
  checkoutStackDir: path.resolve(__dirname, '..', '..', '.stack'),
};

/** Fixed loopback ports of the local stack. */
export const StackPorts = {
  postgres: 55432,
  kafka: 19092,
  kafkaController: 19093,
  etcd: 12379,
  etcdPeer: 12380,
  kubeApiserver: 16443,
  kubeControllerManager: 11257,
  kubeScheduler: 11259,
  kwok: 11260,
  chain: 18545,
};

export const LOOPBACK = '127.0.0.1';
