import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { instanceScoped, topicForInstance, Topics } from '@gridex/contracts';
import { eventually, startGroupAtEnd, testKafka, uniqueSuffix } from './real-stack';
import { stackEnv } from './stack-env';

const workspaceRoot = path.resolve(__dirname, '..', '..', '..');

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A service started from its build output (`npm run build`), the way it runs in production. */
export class ServiceProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** The process id, e.g. to read its memory from /proc. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  constructor(
    readonly service: string,
    env: Record<string, string>,
    /** Working directory; services read `.stack/env` relative to it. */
    cwd: string = workspaceRoot,
  ) {
    const main = path.join(workspaceRoot, 'dist', 'apps', service, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    this.child = spawn(process.execPath, [main], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.output.push(...chunk.split('\n').filter(Boolean)));
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Log lines that parse as JSON. */
  jsonLines(): Array<Record<string, unknown>> {
    return this.output.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if it still runs (test clean-up). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** A built service started against the local stack with a schema and consumer group of its own. */
export interface LaunchedService {
  process: ServiceProcess;
  port: number;
  schema: string;
  /** Its Kafka consumer group (a relaunch on the same schema passes it to resume where it stopped). */
  group: string;
  url: string;
}

/**
 * Starts `service` from its build output on a free port, with a fresh schema and consumer group so that tests
 * running side by side never share state. Drop the schema afterwards (`dropSchema`).
 *
 * The consumer group starts at the current ends of every topic (unless `startAtTopicEnds` is false, e.g. for a
 * second replica joining a running group): a test acts on the events it produces, and replaying the shared
 * topics' whole history (benchmarks leave millions of events on a developer's stack) would only slow it down.
 */
export async function launchService(
  service: string,
  overrides: Record<string, string> = {},
  options: { startAtTopicEnds?: boolean } = {},
): Promise<LaunchedService> {
  const port = await freePort();
  // A service of another exchange (GRIDEX_INSTANCE) reads that instance's topics and, unless told otherwise,
  // names its schema and group itself: the names it will pick are the instance's.
  const instance = overrides.GRIDEX_INSTANCE ?? '';
  const schema =
    overrides.DATABASE_SCHEMA ??
    (instance ? instanceScoped(service, '_', instance) : `e2e_${service}_${uniqueSuffix()}`);
  const group =
    overrides.KAFKA_CONSUMER_GROUP ??
    (instance ? `gridex-${instanceScoped(service, '-', instance)}` : `e2e-${schema}`);
  const topics = Object.values(Topics).map((topic) => (instance ? topicForInstance(topic, instance) : topic));
  if (options.startAtTopicEnds ?? true) await startGroupAtEnd(testKafka(), group, topics);
  const { KAFKA_BROKERS, DATABASE_URL, KUBECONFIG, GRIDEX_OPERATOR_KEY } = stackEnv();
  const process = new ServiceProcess(service, {
    KAFKA_BROKERS,
    DATABASE_URL,
    ...(KUBECONFIG ? { KUBECONFIG } : {}),
    ...(GRIDEX_OPERATOR_KEY ? { GRIDEX_OPERATOR_KEY } : {}),
    PORT: String(port),
    ...(instance ? {} : { DATABASE_SCHEMA: schema, KAFKA_CONSUMER_GROUP: group }),
    ...overrides,
  });
  return { process, port, schema, group, url: `http://127.0.0.1:${port}` };
}

/**
 * Waits until a launched service answers /readyz with 200. A service that never does fails with its last log
 * lines (it may have exited, or still be starting: a big fleet takes a while to list).
 */
export async function untilReady(
  service: LaunchedService,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const { process: child } = service;
  await eventually(async () => {
    const response = await fetch(`${service.url}/readyz`);
    if (response.status !== 200) throw new Error(`${child.service} not ready: ${response.status}`);
  }, timeoutMs).catch((error: unknown) => {
    throw new Error(
      `${child.service} not ready after ${timeoutMs} ms (${String(error)}); its last output:\n` +
        child.output.slice(-20).join('\n'),
    );
  });
}
