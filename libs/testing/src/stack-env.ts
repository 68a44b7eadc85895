import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ENV_FILE = path.resolve(__dirname, '..', '..', '..', '.stack', 'env');

/** Connection settings of the local stack: .stack/env (written by `npm run stack:up`), overridden by the environment. */
export function stackEnv(): { KAFKA_BROKERS: string; DATABASE_URL: string } & Record<string, string> {
  const fromFile: Record<string, string> = {};
  if (existsSync(ENV_FILE)) {
    for (const line of readFileSync(ENV_FILE, 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) fromFile[match[1]] = match[2];
    }
  }
  const env = { ...fromFile, ...definedOnly(process.env) };
  for (const key of ['KAFKA_BROKERS', 'DATABASE_URL']) {
    if (!env[key]) {
      throw new Error(`${key} is not set and ${ENV_FILE} does not define it: run \`npm run stack:up\` first`);
    }
  }
  return env as { KAFKA_BROKERS: string; DATABASE_URL: string } & Record<string, string>;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
