import path from 'node:path';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** The local cluster's kubeconfig (written by `npm run stack:up`). */
export function testKubeConfig(): KubeConfig {
  const file = process.env.KUBECONFIG ?? path.resolve(__dirname, '..', '..', '..', '.stack', 'kubeconfig');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run stack:up\` first`);
  const config = new KubeConfig();
  config.loadFromFile(file);
  return config;
}
