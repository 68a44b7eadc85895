/**
 * Runs the six built services against the local stack, waits until every one is ready, prints where they are,
 * and on Ctrl-C (or SIGTERM) stops them all, each through its own graceful shutdown.
 * Each service's JSON log goes to .stack/logs/<service>.log. With the demo, a second exchange runs first as
 * the peer network the demo's exchange routes to (`demo/peer-exchange.ts`; logs .stack/logs/peer-<service>.log).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runDemoScenario } from './demo/demo-scenario';
import { setUpDemoWorld } from './demo/demo-world';
import {
  ensurePeerTopics,
  HOME_NODE_SELECTOR,
  PEER_SERVICES,
  peerEnvironment,
  setUpPeerWorld,
} from './demo/peer-exchange';
import { skipStaleBacklog } from './stale-backlog';

const root = path.resolve(__dirname, '..', '..');
const SERVICES: Array<{ name: string; port: number }> = [
  { name: 'gateway', port: 8080 },
  { name: 'inventory', port: 8081 },
  { name: 'matching', port: 8082 },
  { name: 'orchestrator', port: 8083 },
  { name: 'billing', port: 8084 },
  { name: 'rewards', port: 8085 },
];

/** Unread events beyond which a service's backlog is other runs' (see skipStaleBacklog). */
const STALE_BACKLOG_EVENTS = 20_000;

function stackEnvironment(): Record<string, string> {
  const file = path.join(root, '.stack', 'env');
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1], match[2]]),
  );
}

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const logDir = path.join(root, '.stack', 'logs');
  mkdirSync(logDir, { recursive: true });
  const env = { ...process.env, ...stackEnvironment() };
  const children = new Map<string, ChildProcess>();
  const demo = !process.argv.includes('--no-demo');
  let stopping = false;

  /** Starts one service of an exchange from its build output; its exit stops everything unless stopping. */
  function launch(name: string, port: number, own: Record<string, string>, logName = name): void {
    const log = createWriteStream(path.join(logDir, `${logName}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [path.join(root, 'dist', 'apps', name, 'src', 'main.js')], {
      cwd: root,
      env: { ...env, ...own, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      children.delete(logName);
      if (!stopping) {
        console.error(`${logName} exited (${signal ?? code}); see ${path.join(logDir, `${logName}.log`)}`);
        void stop(1);
      }
    });
    children.set(logName, child);
  }

  async function stop(exitCode: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the services ...');
    const exits = [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
        ),
    );
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all(exits);
    console.log(
      'all services stopped; the stack (Kafka, PostgreSQL) keeps running: `npm run stack:down` stops it',
    );
    process.exit(exitCode);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  /** Waits until every service answers /readyz; false when stopping or past the deadline (then stops). */
  async function untilReady(services: ReadonlyArray<{ name: string; port: number }>, deadline: number) {
    for (const service of services) {
      while (!(await isReady(service.port))) {
        if (stopping) return false;
        if (Date.now() > deadline) {
          console.error(`${service.name} on ${service.port} is not ready in time; see .stack/logs/`);
          await stop(1);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    return true;
  }

  // The demo's peer network runs first: the demo exchange's orchestrator is given its address and key.
  let networks = '';
  if (demo) {
    console.log('Starting the demo’s peer network (a second exchange; `--no-demo` skips it) ...');
    const peerKeys = path.join(root, '.stack', 'peer-world.json');
    await ensurePeerTopics(env.KAFKA_BROKERS ?? '127.0.0.1:19092');
    for (const service of PEER_SERVICES)
      launch(service.name, service.port, peerEnvironment(peerKeys), `peer-${service.name}`);
    if (!(await untilReady(PEER_SERVICES, Date.now() + 120_000))) return;
    try {
      networks = await setUpPeerWorld(peerKeys, (line) => console.log(`  ${line}`));
    } catch (error) {
      console.error(`the peer network could not be set up: ${(error as Error).message}; going on without it`);
    }
  }

  await skipStaleBacklog(
    env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    SERVICES.map((s) => s.name),
    STALE_BACKLOG_EVENTS,
    (line) => console.log(line),
  );
  for (const service of SERVICES) {
    launch(service.name, service.port, {
      // Every GPU node but the peer network's is this exchange's own.
      GPU_NODE_SELECTOR: HOME_NODE_SELECTOR,
      ...(networks ? { NETWORKS: networks, NETWORK_STATUS_POLL_MS: '500' } : {}),
    });
  }

  const started = Date.now();
  if (!(await untilReady(SERVICES, started + 120_000))) return;
  console.log(
    `\nGridex is running (all six services ready in ${((Date.now() - started) / 1000).toFixed(1)} s):\n`,
  );
  for (const service of SERVICES) {
    const base = `http://127.0.0.1:${service.port}`;
    console.log(`  ${service.name.padEnd(13)} ${base}   ${base}/readyz   ${base}/metrics`);
  }
  if (networks)
    console.log(
      `  ${'peer network'.padEnd(13)} http://127.0.0.1:${PEER_SERVICES[0].port}   (network "peer")`,
    );
  console.log(`\nLogs: ${logDir}/<service>.log   Stop: Ctrl-C`);
  if (!demo) return;

  console.log('\nSetting up the demo world (`npm start -- --no-demo` skips the demo) ...');
  try {
    const world = await setUpDemoWorld(
      env.GRIDEX_API_URL ?? 'http://127.0.0.1:8080',
      env.GRIDEX_OPERATOR_KEY ?? '',
      path.join(root, '.stack', 'demo-world.json'),
      (line) => console.log(`  ${line}`),
    );
    console.log('');
    await runDemoScenario(world, process.stdout, networks !== '');
  } catch (error) {
    if (stopping) return;
    console.error(`\nthe demo stopped: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Gridex keeps running; Ctrl-C stops the services.');
  }
}

void main();
