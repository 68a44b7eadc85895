import {
  CapacityChangedPayload,
  deterministicUuid,
  HoldPlacedPayload,
  IdNamespaces,
  JobMatchedPayload,
} from '@gridex/contracts';

/**
 * A sellable data-center node as inventory's capacity feed states it: 8 verified, ready, free GPUs with
 * InfiniBand at 2.00 per GPU-hour (1.20 interruptible). Tests override what they are about; the node id follows
 * from the cluster and node name, as inventory derives it.
 */
export function capacityChange(
  node: Pick<CapacityChangedPayload, 'clusterId' | 'nodeName' | 'supplierId' | 'gpuProduct'> &
    Partial<CapacityChangedPayload>,
): CapacityChangedPayload {
  return {
    nodeId: deterministicUuid(IdNamespaces.node, node.clusterId, node.nodeName),
    revision: 1,
    supplierKind: 'datacenter',
    pool: 'pool',
    region: 'eu-north',
    gpuMemoryMiB: 81_559,
    interconnect: 'infiniband',
    gpus: 8,
    removed: false,
    ready: true,
    allocatableGpus: 8,
    poolPaused: false,
    schedulable: true,
    verification: 'verified',
    benchmarkScore: 1000,
    reliabilityBasisPoints: 9_990,
    supplierFaults30d: 0,
    pricePerGpuHour: { currency: 'USD', micros: '2000000' },
    interruptiblePricePerGpuHour: { currency: 'USD', micros: '1200000' },
    ...node,
  };
}

/**
 * Billing's hold for a matched allocation, as billing states it when the tenant can pay: tests and benchmarks
 * that play matching publish it beside their allocations, since the orchestrator launches nothing before it.
 */
export function holdFor(matched: JobMatchedPayload): HoldPlacedPayload {
  return {
    tenantId: matched.tenantId,
    jobId: matched.jobId,
    reservationId: matched.reservationId,
    amount: { currency: matched.allocations[0].pricePerGpuHour.currency, micros: '1' },
    expectedDurationSeconds: matched.expectedDurationSeconds,
    marginBasisPoints: 0,
    ledgerTransactionId: deterministicUuid(IdNamespaces.reservation, 'test-hold', matched.reservationId),
    placedAt: new Date().toISOString(),
  };
}
