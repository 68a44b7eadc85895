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

/**
 * Makes sure the default fleet exists and carries the annotations the current fleet definition gives it
 * (idempotent: a complete, current fleet costs one list request).
 */
export async function ensureDefaultFleet(rest: KubeRest): Promise<void> {
  const fleet = defaultFleet();
  const [[key, value]] = Object.entries(DEFAULT_FLEET_LABEL);
  const list = await rest.expect<{
    items: Array<{ metadata: { name: string; annotations?: Record<string, string> } }>;
  }>('GET', `/api/v1/nodes?labelSelector=${encodeURIComponent(`${key}=${value}`)}`);
  const existing = new Map(list.items.map((node) => [node.metadata.name, node.metadata.annotations ?? {}]));
  const outdated = fleet.filter((node) => {
    const annotations = existing.get(node.metadata.name);
    return annotations && Object.entries(node.metadata.annotations).some(([k, v]) => annotations[k] !== v);
  });
  for (const node of outdated) {
    await rest.expect(
      'PATCH',
      `/api/v1/nodes/${node.metadata.name}`,
      { metadata: { annotations: node.metadata.annotations } },
      [],
      'application/merge-patch+json',
    );
  }
  if (outdated.length > 0) console.log(`fleet: updated the annotations of ${outdated.length} nodes`);
  const missing = fleet.filter((node) => !existing.has(node.metadata.name));
  if (missing.length === 0) return;
  const started = Date.now();
  const created = await applyNodes(rest, missing);
  console.log(
    `fleet: created ${created} nodes of the default fleet (${fleet.length} in all) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
