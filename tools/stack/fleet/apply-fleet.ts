import { KubeRest } from '../kubernetes/kube-rest';
import { DEFAULT_FLEET_LABEL, defaultFleet } from './default-fleet';
import { NodeManifest } from '@gridex/gpu-node-pool';

/**
 * Creates the nodes that do not exist yet (existing ones are left as they are), `concurrency` requests at a time.
 * Returns how many were created.
 */
export async function applyNodes(rest: KubeRest, nodes: NodeManifest[], concurrency = 32): Promise<number> {
  let next = 0;
  let created = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, nodes.length) }, async () => {
      while (next < nodes.length) {
        const node = nodes[next++];
        const response = await rest.call('POST', '/api/v1/nodes', node);
        if (response.status === 201) created += 1;
        else if (response.status !== 409) {
          throw new Error(
            `creating node ${node.metadata.name} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`,
          );
        }
      }
    }),
  );
  return created;
}

/** Names of the nodes matching a label selector. */
export async function nodeNames(rest: KubeRest, labelSelector: string): Promise<Set<string>> {
  const list = await rest.expect<{ items: Array<{ metadata: { name: string } }> }>(
    'GET',
    `/api/v1/nodes?labelSelector=${encodeURIComponent(labelSelector)}`,
  );
  return new Set(list.items.map((node) => node.metadata.name));
}

/** Makes sure the default fleet exists (idempotent: a complete fleet costs one list request). */
export async function ensureDefaultFleet(rest: KubeRest): Promise<void> {
  const fleet = defaultFleet();
  const [[key, value]] = Object.entries(DEFAULT_FLEET_LABEL);
  const existing = await nodeNames(rest, `${key}=${value}`);
  const missing = fleet.filter((node) => !existing.has(node.metadata.name));
  if (missing.length === 0) return;
  const started = Date.now();
  const created = await applyNodes(rest, missing);
  console.log(
    `fleet: created ${created} nodes of the default fleet (${fleet.length} in all) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
