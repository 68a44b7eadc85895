import path from 'node:path';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from '@gridex/kube-client';

/** The local cluster's kubeconfig file (written by `npm run stack:up`). */
function testKubeConfigFile(): string {
  const file = process.env.KUBECONFIG ?? path.resolve(__dirname, '..', '..', '..', '.stack', 'kubeconfig');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run stack:up\` first`);
  return file;
}

/**
 * The local cluster's kubeconfig, keeping its connections as the orchestrator's does: benchmarks that compare
 * the orchestrator with kube-scheduler create the baseline's pods at the same cost per call.
 */
export function testKubeConfig(): KubeConfig {
  const config = new KeepAliveKubeConfig();
  config.loadFromFile(testKubeConfigFile());
  return config;
}
