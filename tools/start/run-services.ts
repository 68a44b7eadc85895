/**
 * Runs the six built services against the local stack, waits until every one is ready, prints where they are,
 * and on Ctrl-C (or SIGTERM) stops them all, each through its own graceful shutdown.
 * Each service's JSON log goes to .stack/logs/<service>.log.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runDemoScenario } from './demo/demo-scenario';
import { setUpDemoWorld } from './demo/demo-world';
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
  let stopping = false;

  await skipStaleBacklog(
    env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    SERVICES.map((s) => s.name),
    STALE_BACKLOG_EVENTS,
    (line) => console.log(line),
  );
  for (const service of SERVICES) {
    const log = createWriteStream(path.join(logDir, `${service.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [path.join(root, 'dist', 'apps', service.name, 'src', 'main.js')], {
      cwd: root,
      env: { ...env, PORT: String(service.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      children.delete(service.name);
      if (!stopping) {
        console.error(
          `${service.name} exited (${signal ?? code}); see ${path.join(logDir, `${service.name}.log`)}`,
        );
        void stop(1);
      }
    });
    children.set(service.name, child);
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

  const started = Date.now();
  const deadline = started + 120_000;
  for (const service of SERVICES) {
    while (!(await isReady(service.port))) {
      if (stopping) return;
      if (Date.now() > deadline) {
        console.error(`${service.name} is not ready after 120 s; see .stack/logs/${service.name}.log`);
        return stop(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  console.log(
    `\nGridex is running (all six services ready in ${((Date.now() - started) / 1000).toFixed(1)} s):\n`,
  );
  for (const service of SERVICES) {
    const base = `http://127.0.0.1:${service.port}`;
    console.log(`  ${service.name.padEnd(13)} ${base}   ${base}/readyz   ${base}/metrics`);
  }
  console.log(`\nLogs: ${logDir}/<service>.log   Stop: Ctrl-C`);
  if (process.argv.includes('--no-demo')) return;

  console.log('\nSetting up the demo world (`npm start -- --no-demo` skips the demo) ...');
  try {
    const world = await setUpDemoWorld(
      env.GRIDEX_API_URL ?? 'http://127.0.0.1:8080',
      env.GRIDEX_OPERATOR_KEY ?? '',
      path.join(root, '.stack', 'demo-world.json'),
      (line) => console.log(`  ${line}`),
    );
    console.log('');
    await runDemoScenario(world, process.stdout);
  } catch (error) {
    if (stopping) return;
    console.error(`\nthe demo stopped: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Gridex keeps running; Ctrl-C stops the services.');
  }
}

void main();
