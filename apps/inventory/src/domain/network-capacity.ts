import {
  CapacityChangedPayload,
  deterministicUuid,
  IdNamespaces,
  NetworkOffersObservedPayload,
} from '@gridex/contracts';

/**
 * Another compute network's offers as capacity on the feed, as pure rules. Each free node of an offer becomes one
 * node of supplier kind `network` in the network's own cluster id (`network:<id>`), priced at what the network
 * charges Gridex (the ask, so what Gridex owes it is what billing pays the supplier) with the network's fee as
 * the node's take. A node that is no longer offered is published once as removed; a state that did not change
 * is not published again.
 */

/** The cluster id under which a network's capacity is sold (never a Kubernetes cluster of Gridex's). */
export function networkClusterId(networkId: string): string {
  return `network:${networkId}`;
}

/** The supplier a network's capacity is bought from: its charges are that supplier's payable. */
export function networkSupplierId(networkId: string): string {
  return `network:${networkId}`;
}

/** The pool every network node is in (the network prices each offer itself). */
export const NETWORK_POOL = 'network';

/** A network node's last published state, as inventory keeps it. */
export interface PublishedNetworkNode {
  nodeId: string;
  state: CapacityChangedPayload;
}

/** The states to publish for a network's new observation, given what was published for it before. */
export function networkCapacityChanges(
  observation: NetworkOffersObservedPayload,
  previous: ReadonlyArray<PublishedNetworkNode>,
): CapacityChangedPayload[] {
  const before = new Map(previous.map((node) => [node.nodeId, node.state]));
  const clusterId = networkClusterId(observation.networkId);
  const offered = new Map<string, Omit<CapacityChangedPayload, 'revision'>>();
  for (const offer of observation.routable ? observation.offers : []) {
    for (let index = 0; index < offer.nodes; index += 1) {
      const nodeName = offer.nodes === 1 ? offer.offerId : `${offer.offerId}#${index}`;
      const nodeId = deterministicUuid(IdNamespaces.node, clusterId, nodeName);
      offered.set(nodeId, {
        nodeId,
        clusterId,
        nodeName,
        supplierId: networkSupplierId(observation.networkId),
        supplierKind: 'network',
        networkId: observation.networkId,
        pool: NETWORK_POOL,
        region: offer.region,
        gpuProduct: offer.gpuProduct,
        gpuMemoryMiB: offer.gpuMemoryMiB,
        interconnect: offer.interconnect,
        gpus: offer.gpusPerNode,
        removed: false,
        ready: true,
        allocatableGpus: offer.gpusPerNode,
        poolPaused: false,
        schedulable: true,
        verification: observation.trust === 'trusted' ? 'verified' : 'unverified',
        reliabilityBasisPoints: offer.reliabilityBasisPoints,
        supplierFaults30d: 0,
        pricePerGpuHour: offer.pricePerGpuHour,
        takeRateBps: observation.feeBps,
      });
    }
  }
  const changes: CapacityChangedPayload[] = [];
  for (const [nodeId, state] of offered) {
    const last = before.get(nodeId);
    if (last && sameState(last, state)) continue;
    changes.push({ ...state, revision: (last?.revision ?? 0) + 1 });
  }
  for (const [nodeId, last] of before) {
    if (offered.has(nodeId) || last.removed) continue;
    changes.push({
      ...last,
      revision: last.revision + 1,
      removed: true,
      ready: false,
      allocatableGpus: 0,
      schedulable: false,
    });
  }
  return changes;
}

/** Whether two states of a node say the same, revisions aside. */
function sameState(a: CapacityChangedPayload, b: Omit<CapacityChangedPayload, 'revision'>): boolean {
  const { revision: _revision, ...rest } = a;
  return JSON.stringify(canonical(rest)) === JSON.stringify(canonical(b));
}

function canonical(value: object): Array<[string, unknown]> {
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => x.localeCompare(y));
}
