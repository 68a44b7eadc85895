/**
 * The local stack: `up` (idempotent), `down`, `status`. Started by `npm run stack:up`, `npm start` and `npm test`.
 * Writes .stack/env, which services and tests read for their connection settings.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChainComponent } from './components/chain';
import { KafkaComponent } from './components/kafka';
import { PostgresComponent } from './components/postgres';
import { StackComponent } from './components/component';
import { KubernetesComponent } from './kubernetes/kubernetes';
import { StackPaths } from './stack-paths';

const components: StackComponent[] = [
  new PostgresComponent(),
  new KafkaComponent(),
  new KubernetesComponent(),
  new ChainComponent(),
];

async function up(): Promise<void> {
  const started = Date.now();
  for (const component of components) {
    await component.up();
  }
  writeEnvFile();
  console.log(`stack: up in ${((Date.now() - started) / 1000).toFixed(1)} s; settings in ${envFile()}`);
  await status();
}

async function down(): Promise<void> {
  for (const component of [...components].reverse()) {
    await component.down();
    console.log(`${component.name}: stopped`);
  }
}

async function status(): Promise<boolean> {
  const statuses = await Promise.all(components.map((component) => component.status()));
  const rows = statuses.map((s) => [
    s.name,
    s.running ? 'running' : 'stopped',
    s.address,
    s.version,
    s.detail ?? '',
  ]);
  const header = ['component', 'state', 'address', 'version', ''];
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    );
  }
  return statuses.every((s) => s.running);
}

function envFile(): string {
  return path.join(StackPaths.checkoutStackDir, 'env');
}

/**
 * The bootstrap operator key of this checkout's gateway: made once, kept in `.stack/operator-key` (readable by
 * this user only), so a restart keeps the key people already use.
 */
function operatorKey(): string {
  const file = path.join(StackPaths.checkoutStackDir, 'operator-key');
  if (!existsSync(file))
    writeFileSync(file, `gdx_operator_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function writeEnvFile(): void {
  mkdirSync(StackPaths.checkoutStackDir, { recursive: true });
  const variables = Object.assign({}, ...components.map((component) => component.env()), {
    GRIDEX_OPERATOR_KEY: operatorKey(),
    GRIDEX_API_URL: 'http://127.0.0.1:8080',
  }) as Record<string, string>;
  writeFileSync(
    envFile(),
    `# Written by \`npm run stack:up\`; read by the services and the tests.\n${Object.entries(variables)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );
}

const commands: Record<string, () => Promise<unknown>> = {
  up,
  down,
  status: async () => {
    if (!(await status())) process.exitCode = 3;
  },
};

const command = process.argv[2] ?? '';
const action = commands[command];
if (!action) {
  console.error(`usage: stack <${Object.keys(commands).join('|')}>`);
  process.exit(2);
}
action().catch((error: unknown) => {
  console.error(`stack ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
