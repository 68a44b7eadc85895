import type { BenchmarkCompletedPayload } from './benchmark-completed/benchmark-completed.event';
import type { CapacityChangedPayload } from './capacity-changed/capacity-changed.event';
import type { JobCancelledPayload } from './job-cancelled/job-cancelled.event';
import type { JobExpiredPayload } from './job-expired/job-expired.event';
import type { JobMatchedPayload } from './job-matched/job-matched.event';
import type { JobPreemptedPayload } from './job-preempted/job-preempted.event';
import type { JobSubmittedPayload } from './job-submitted/job-submitted.event';
import type { JobUnmatchedPayload } from './job-unmatched/job-unmatched.event';
import type { NodeObservedPayload } from './node-observed/node-observed.event';
import type { NetworkOffersObservedPayload } from './network-offers-observed/network-offers-observed.event';
import type { NetworkChargeReportedPayload } from './network-charge-reported/network-charge-reported.event';
import type { TenantShareSetPayload } from './tenant-share-set/tenant-share-set.event';
import type { OfferDeclaredPayload } from './offer-declared/offer-declared.event';
import type { PoolAvailabilityChangedPayload } from './pool-availability-changed/pool-availability-changed.event';
import type { SupplierFaultObservedPayload } from './supplier-fault-observed/supplier-fault-observed.event';
import type { SupplierRegisteredPayload } from './supplier-registered/supplier-registered.event';
import type { UsageSettledPayload } from './usage-settled/usage-settled.event';
import type { WorkloadFinishedPayload } from './workload-finished/workload-finished.event';
import type { VerificationRequestedPayload } from './verification-requested/verification-requested.event';
import type { WorkloadScheduledPayload } from './workload-scheduled/workload-scheduled.event';
import type { CreditExhaustedPayload } from './credit-exhausted/credit-exhausted.event';
import type { WorkloadStartedPayload } from './workload-started/workload-started.event';
import type { CreditAddedPayload } from './credit-added/credit-added.event';
import type { HoldPlacedPayload } from './hold-placed/hold-placed.event';
import type { HoldRejectedPayload } from './hold-rejected/hold-rejected.event';
import type { HoldReleasedPayload } from './hold-released/hold-released.event';
import type { UsageRecordedPayload } from './usage-recorded/usage-recorded.event';
import type { InvoiceIssuedPayload } from './invoice-issued/invoice-issued.event';
import type { OffersRequestedPayload } from './offers-requested/offers-requested.event';
import type { OffersAnsweredPayload } from './offers-answered/offers-answered.event';
import type { QuoteRequestedPayload } from './quote-requested/quote-requested.event';
import type { QuoteAnsweredPayload } from './quote-answered/quote-answered.event';
import type { CreditRequestedPayload } from './credit-requested/credit-requested.event';
import type { CreditDeclinedPayload } from './credit-declined/credit-declined.event';
import type { PayoutRequestedPayload } from './payout-requested/payout-requested.event';
import type { PayoutSettledPayload } from './payout-settled/payout-settled.event';
import type { ComputeCreditPurchasedPayload } from './compute-credit-purchased/compute-credit-purchased.event';
import type { ComputeCreditTransferredPayload } from './compute-credit-transferred/compute-credit-transferred.event';
import type { ComputeCreditExpiredPayload } from './compute-credit-expired/compute-credit-expired.event';
import type { ComputeCreditWithdrawnPayload } from './compute-credit-withdrawn/compute-credit-withdrawn.event';
import type { ComputeCreditRedeemedPayload } from './compute-credit-redeemed/compute-credit-redeemed.event';
import type { StakeSlashedPayload } from './stake-slashed/stake-slashed.event';
import type { EpochClosedPayload } from './epoch-closed/epoch-closed.event';

const usd = (micros: string) => ({ currency: 'USD', micros });

/**
 * One realistic payload per event type. They are published in the JSON Schemas (`examples`) so finance and
 * other readers see real shapes, and the contract tests check each one validates.
 */
export const EventExamples = {
  'gateway.supplier-registered': {
    supplierId: 'sup-nordic-dc',
    name: 'Nordic Compute AB',
    kind: 'datacenter',
    region: 'eu-north',
  } satisfies SupplierRegisteredPayload,
  'gateway.offer-declared': {
    offerId: 'off-nordic-h100-1',
    supplierId: 'sup-nordic-dc',
    pool: 'h100-sxm',
    pricePerGpuHour: usd('2100000'),
    interruptiblePricePerGpuHour: usd('1300000'),
    minLeaseSeconds: 60,
    validFrom: '2026-11-28T00:00:00.000Z',
    nodeOverrides: [{ nodeName: 'nordic-h100-007', pricePerGpuHour: usd('2300000') }],
  } satisfies OfferDeclaredPayload,
  'gateway.pool-availability-changed': {
    supplierId: 'sup-nordic-dc',
    pool: 'h100-sxm',
    paused: true,
    reason: 'firmware upgrade',
  } satisfies PoolAvailabilityChangedPayload,
  'orchestrator.supplier-fault-observed': {
    faultId: '8d7c6b5a-4938-5271-8a6b-5c4d3e2f1a0b',
    clusterId: 'eu-north-1',
    nodeName: 'nordic-h100-007',
    kind: 'node-lost',
    jobId: 'job-01HZX3',
    detail: 'node deleted while the job ran',
    observedAt: '2026-11-28T10:42:17.000Z',
  } satisfies SupplierFaultObservedPayload,
  'orchestrator.node-observed': {
    clusterId: 'eu-north-1',
    nodeName: 'nordic-h100-007',
    observation: 'ready',
    observedAt: '2026-11-28T10:00:00.000Z',
    resourceVersion: '18342',
    ready: true,
    supplierId: 'sup-nordic-dc',
    pool: 'h100-sxm',
    region: 'eu-north',
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    gpuMemoryMiB: 81559,
    interconnect: 'nvlink',
    capacity: { gpus: 8, cpuMillis: 192000, memoryMiB: 2097152 },
    allocatable: { gpus: 8, cpuMillis: 190000, memoryMiB: 2060000 },
  } satisfies NodeObservedPayload,
  'orchestrator.network-offers-observed': {
    networkId: 'peer-eu',
    observedAt: '2026-11-28T10:00:05.000Z',
    validUntil: '2026-11-28T10:01:05.000Z',
    routable: true,
    trust: 'trusted',
    feeBps: 1000,
    offers: [
      {
        offerId: 'eu-north-1/peer-h100-001',
        region: 'eu-north',
        gpuProduct: 'NVIDIA-H100-80GB-HBM3',
        gpuMemoryMiB: 81920,
        gpusPerNode: 8,
        nodes: 1,
        interconnect: 'nvlink',
        pricePerGpuHour: usd('2000000'),
        reliabilityBasisPoints: 9950,
      },
    ],
  } satisfies NetworkOffersObservedPayload,
  'gateway.tenant-share-set': {
    tenantId: 't-acme',
    weight: 3,
    setAt: '2026-11-28T09:00:00.000Z',
  } satisfies TenantShareSetPayload,
  'orchestrator.network-charge-reported': {
    networkId: 'peer-eu',
    jobId: 'job-01HZX9',
    reservationId: '0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
    externalJobId: 'job-01J0PEER7',
    gpuSeconds: 9600,
    charged: usd('6133334'),
    reportedAt: '2026-11-28T11:12:30.000Z',
  } satisfies NetworkChargeReportedPayload,
  'inventory.capacity-changed': {
    nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
    revision: 4,
    clusterId: 'eu-north-1',
    nodeName: 'nordic-h100-007',
    supplierId: 'sup-nordic-dc',
    supplierKind: 'datacenter',
    pool: 'h100-sxm',
    region: 'eu-north',
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    gpuMemoryMiB: 81559,
    interconnect: 'nvlink',
    gpus: 8,
    removed: false,
    ready: true,
    allocatableGpus: 8,
    poolPaused: false,
    schedulable: true,
    verification: 'verified',
    benchmarkScore: 1012,
    reliabilityBasisPoints: 9987,
    supplierFaults30d: 1,
    pricePerGpuHour: usd('2100000'),
  } satisfies CapacityChangedPayload,
  'inventory.verification-requested': {
    verificationId: '4c3b2a19-0f8e-5d7c-a6b5-c4d3e2f1a0b9',
    nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
    clusterId: 'eu-north-1',
    nodeName: 'nordic-h100-007',
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    gpuCount: 8,
    requestedAt: '2026-11-28T10:00:00.500Z',
  } satisfies VerificationRequestedPayload,
  'orchestrator.benchmark-completed': {
    verificationId: '4c3b2a19-0f8e-5d7c-a6b5-c4d3e2f1a0b9',
    nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
    clusterId: 'eu-north-1',
    nodeName: 'nordic-h100-007',
    outcome: 'measured',
    score: 8096,
    completedAt: '2026-11-28T10:03:12.000Z',
  } satisfies BenchmarkCompletedPayload,
  'gateway.job-submitted': {
    jobId: 'job-01HZX3',
    tenantId: 'acme-ai',
    image: 'registry.gridex.io/acme/llama-finetune:1.4',
    command: ['torchrun', 'train.py', '--epochs', '3'],
    env: { NCCL_DEBUG: 'WARN' },
    secretEnv: [{ name: 'HF_TOKEN', secretName: 'huggingface', key: 'token' }],
    gpusPerNode: 8,
    nodeCount: 2,
    gpuProducts: ['NVIDIA-H100-80GB-HBM3'],
    interconnect: 'infiniband',
    regions: ['eu-north', 'eu-west'],
    preferredRegions: ['eu-north'],
    minReliabilityBasisPoints: 9900,
    verifiedOnly: true,
    maxPricePerGpuHour: usd('2500000'),
    expectedDurationSeconds: 7200,
    tier: 'on-demand',
    priority: 100,
    retryBudget: 2,
    queueDeadline: '2026-11-28T12:00:00.000Z',
    annotations: { 'gridex.io/team': 'research' },
  } satisfies JobSubmittedPayload,
  'gateway.job-cancelled': {
    jobId: 'job-01HZX3',
    requestedAt: '2026-11-28T10:05:00.000Z',
    reason: 'wrong dataset',
  } satisfies JobCancelledPayload,
  'matching.job-matched': {
    jobId: 'job-01HZX3',
    tenantId: 'acme-ai',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    attempt: 0,
    tier: 'on-demand',
    expectedDurationSeconds: 7200,
    allocations: [
      {
        nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
        clusterId: 'eu-north-1',
        nodeName: 'nordic-h100-007',
        supplierId: 'sup-nordic-dc',
        region: 'eu-north',
        gpuProduct: 'H100-SXM5-80GB',
        gpus: 8,
        pricePerGpuHour: usd('2400000'),
        supplierPricePerGpuHour: usd('2100000'),
      },
    ],
    matchedAt: '2026-11-28T10:00:01.250Z',
    image: 'registry.gridex.io/acme/llama-finetune:1.4',
    command: ['torchrun', 'train.py', '--epochs', '3'],
    env: { NCCL_DEBUG: 'WARN' },
    secretEnv: [{ name: 'HF_TOKEN', secretName: 'huggingface', key: 'token' }],
  } satisfies JobMatchedPayload,
  'matching.job-unmatched': {
    jobId: 'job-01HZX4',
    tenantId: 'acme-ai',
    code: 'MATCHING.NO_CAPACITY',
    exclusions: [
      { constraint: 'gpu-product', excludedNodes: 180, excludedGpus: 260 },
      { constraint: 'price-cap', excludedNodes: 12, excludedGpus: 96 },
    ],
    nearMiss: {
      relax: 'price-cap',
      nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
      pricePerGpuHour: usd('2100000'),
    },
    queued: true,
    nodesConsidered: 203,
  } satisfies JobUnmatchedPayload,
  'matching.job-expired': {
    jobId: 'job-01HZX4',
    tenantId: 'acme-ai',
    queueDeadline: '2026-11-28T12:00:00.000Z',
    expiredAt: '2026-11-28T12:00:00.800Z',
  } satisfies JobExpiredPayload,
  'matching.job-preempted': {
    jobId: 'job-01HZX5',
    tenantId: 'acme-ai',
    reservationId: '1a2b3c4d-5e6f-5a7b-8c9d-0e1f2a3b4c5d',
    preemptedByJobId: 'job-01HZX3',
    preemptedAt: '2026-11-28T10:00:01.250Z',
    requeued: true,
  } satisfies JobPreemptedPayload,
  'orchestrator.workload-scheduled': {
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    workloadId: '7c6b5a49-3827-5e1d-8c0b-a9f8e7d6c5b4',
    namespace: 't-acme-ai-5d41402a',
    pods: [{ name: 'w-0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f-0', nodeName: 'nordic-h100-007' }],
    scheduledAt: '2026-11-28T10:00:01.400Z',
  } satisfies WorkloadScheduledPayload,
  'orchestrator.workload-started': {
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    workloadId: '7c6b5a49-3827-5e1d-8c0b-a9f8e7d6c5b4',
    startedAt: '2026-11-28T10:00:09.000Z',
  } satisfies WorkloadStartedPayload,
  'orchestrator.workload-finished': {
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    workloadId: '7c6b5a49-3827-5e1d-8c0b-a9f8e7d6c5b4',
    outcome: 'failed',
    reason: 'node-lost',
    startedAt: '2026-11-28T10:00:09.000Z',
    finishedAt: '2026-11-28T10:42:17.000Z',
    failedNodes: [{ clusterId: 'eu-north-1', nodeName: 'nordic-h100-007' }],
  } satisfies WorkloadFinishedPayload,
  'billing.usage-settled': {
    tenantId: 'acme-ai',
    settlementId: '3e2d1c0b-9a8f-5e7d-b6c5-a4b3c2d1e0f9',
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    currency: 'USD',
    gpuSeconds: 20224,
    chargedMicros: '13482666',
    supplierShares: [
      {
        supplierId: 'sup-nordic-dc',
        nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
        gpuSeconds: 20224,
        amountMicros: '11797333',
      },
    ],
    platformRevenueMicros: '1685333',
    ledgerTransactionId: '019ac9b2-7d10-7e3f-9b1a-2c3d4e5f6a7b',
    settledAt: '2026-11-28T10:42:18.000Z',
  } satisfies UsageSettledPayload,
  'billing.credit-exhausted': {
    tenantId: 'acme-ai',
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    exhaustedAt: '2026-11-28T11:30:00.000Z',
  } satisfies CreditExhaustedPayload,
  'gateway.credit-requested': {
    topUpId: '8d7c6b5a-4938-5271-8a6b-5c4d3e2f1a0b',
    tenantId: 'acme-ai',
    amount: usd('500000000'),
    paymentMethod: 'pm_test_visa',
    requestedAt: '2026-11-28T09:57:59.000Z',
  } satisfies CreditRequestedPayload,
  'billing.credit-declined': {
    topUpId: '9e8d7c6b-5a49-5382-9b7c-6d5e4f3a2b1c',
    tenantId: 'acme-ai',
    amount: usd('500000000'),
    reason: 'card declined',
    declinedAt: '2026-11-28T09:58:00.000Z',
  } satisfies CreditDeclinedPayload,
  'gateway.quote-requested': {
    requestId: '01a22380-0000-7000-8000-000000000001',
    tenantId: 'acme-ai',
    gpusPerNode: 8,
    nodeCount: 2,
    gpuProducts: ['H100-SXM5-80GB'],
    interconnect: 'infiniband',
    maxPricePerGpuHour: usd('2500000'),
    expectedDurationSeconds: 7200,
    tier: 'on-demand',
    requestedAt: '2026-11-28T09:59:00.000Z',
  } satisfies QuoteRequestedPayload,
  'matching.quote-answered': {
    requestId: '01a22380-0000-7000-8000-000000000001',
    feasible: true,
    estimatedCost: usd('73600000'),
    allocations: [
      {
        clusterId: 'eu-north-1',
        nodeName: 'nordic-h100-007',
        region: 'eu-north',
        gpuProduct: 'H100-SXM5-80GB',
        gpus: 8,
        pricePerGpuHour: usd('2300000'),
      },
      {
        clusterId: 'eu-north-1',
        nodeName: 'nordic-h100-008',
        region: 'eu-north',
        gpuProduct: 'H100-SXM5-80GB',
        gpus: 8,
        pricePerGpuHour: usd('2300000'),
      },
    ],
    nodesConsidered: 1832,
    answeredAt: '2026-11-28T09:59:00.012Z',
  } satisfies QuoteAnsweredPayload,
  'gateway.offers-requested': {
    requestId: '01a22380-0000-7000-8000-000000000002',
    tenantId: 'acme-ai',
    query: { gpuProduct: 'H100-SXM5-80GB', verifiedOnly: 'true', sort: 'price', limit: '20' },
    requestedAt: '2026-11-28T09:59:00.000Z',
  } satisfies OffersRequestedPayload,
  'inventory.offers-answered': {
    requestId: '01a22380-0000-7000-8000-000000000002',
    items: [],
    answeredAt: '2026-11-28T09:59:00.009Z',
  } satisfies OffersAnsweredPayload,
  'billing.credit-added': {
    topUpId: '8d7c6b5a-4938-5271-8a6b-5c4d3e2f1a0b',
    tenantId: 'acme-ai',
    amount: usd('500000000'),
    paymentReference: 'test-pay-2f1a0b',
    availableAfterMicros: '512500000',
    ledgerTransactionId: '1a2b3c4d-5e6f-5a7b-8c9d-0e1f2a3b4c5d',
    addedAt: '2026-11-28T09:58:00.000Z',
  } satisfies CreditAddedPayload,
  'billing.hold-placed': {
    tenantId: 'acme-ai',
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    amount: usd('42336000'),
    expectedDurationSeconds: 7200,
    marginBasisPoints: 2000,
    ledgerTransactionId: '2b3c4d5e-6f7a-5b8c-9d0e-1f2a3b4c5d6e',
    placedAt: '2026-11-28T10:00:02.000Z',
  } satisfies HoldPlacedPayload,
  'billing.hold-rejected': {
    tenantId: 'acme-ai',
    jobId: 'job-01HZX9',
    reservationId: '5e4d3c2b-1a0f-5e9d-8c7b-6a5f4e3d2c1b',
    required: usd('42336000'),
    fundsMicros: '1250000',
    rejectedAt: '2026-11-28T12:00:01.000Z',
  } satisfies HoldRejectedPayload,
  'billing.usage-recorded': {
    tenantId: 'acme-ai',
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    currency: 'USD',
    throughSeconds: 600,
    gpuSeconds: 4800,
    chargedMicros: '3066667',
    fromHeldMicros: '3066667',
    supplierMicros: '2800000',
    platformRevenueMicros: '266667',
    final: false,
    ledgerTransactionId: '3c4d5e6f-7a8b-5c9d-8e0f-2a3b4c5d6e7f',
    recordedAt: '2026-11-28T10:10:09.000Z',
  } satisfies UsageRecordedPayload,
  'billing.hold-released': {
    tenantId: 'acme-ai',
    jobId: 'job-01HZX3',
    reservationId: '0f8e2d4c-6b1a-5c3e-8d7f-9a1b2c3d4e5f',
    amount: usd('28853334'),
    ledgerTransactionId: '4d5e6f7a-8b9c-5d0e-9f1a-3b4c5d6e7f8a',
    releasedAt: '2026-11-28T10:42:18.000Z',
  } satisfies HoldReleasedPayload,
  'billing.invoice-issued': {
    invoiceId: '6f7a8b9c-0d1e-5f2a-8b3c-4d5e6f7a8b9c',
    tenantId: 'acme-ai',
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    currency: 'USD',
    lineCount: 214,
    gpuSeconds: 9_184_512,
    totalMicros: '5861433120',
    issuedAt: '2026-12-01T00:05:00.000Z',
  } satisfies InvoiceIssuedPayload,
  'rewards.epoch-closed': {
    epochNumber: 7944,
    startsAt: '2026-11-28T00:00:00.000Z',
    endsAt: '2026-11-28T01:00:00.000Z',
    budgetUnits: '954206000',
    distributedUnits: '954206000',
    eligibleNodes: 1832,
    closedAt: '2026-11-28T01:00:04.000Z',
  } satisfies EpochClosedPayload,
  'rewards.stake-slashed': {
    slashId: '9a8b7c6d-5e4f-5a3b-8c2d-1e0f9a8b7c6d',
    supplierId: 'sup-nordic-dc',
    nodeId: '5b0f6a1e-8c2d-5e4f-9a1b-3c5d7e9f1a2b',
    fault: 'node-lost',
    faultsInWindow: 2,
    shareBasisPoints: 200,
    slashedUnits: '160000000',
    stakeAfterUnits: '7840000000',
    evidence: {
      sourceEventId: '019ac9b2-7d10-7e3f-9b1a-2c3d4e5f6a7b',
      jobId: 'job-01HZX3',
      detail: 'node nordic-h100-007 left the cluster',
      observedAt: '2026-11-28T10:42:17.000Z',
    },
    slashedAt: '2026-11-28T10:42:18.000Z',
  } satisfies StakeSlashedPayload,
  'rewards.payout-requested': {
    payoutId: '0a1b2c3d-4e5f-5a6b-9c7d-8e9f0a1b2c3d',
    supplierId: 'sup-nordic-dc',
    earnings: usd('11797333'),
    tokenUnits: '2500000000',
    earningsPaidTotalMicros: '811797333',
    tokenUnitsPaidTotal: '92500000000',
    requestedAt: '2026-11-28T12:00:00.000Z',
  } satisfies PayoutRequestedPayload,
  'billing.payout-settled': {
    payoutId: '0a1b2c3d-4e5f-5a6b-9c7d-8e9f0a1b2c3d',
    supplierId: 'sup-nordic-dc',
    earnings: usd('11797333'),
    outcome: 'paid',
    providerReference: 'po_0a1b2c3d4e5f',
    reason: null,
    ledgerTransactionId: '7c4e2a9b-1d3f-5e6a-8b7c-9d0e1f2a3b4c',
    settledAt: '2026-11-28T12:00:02.000Z',
  } satisfies PayoutSettledPayload,
  'billing.compute-credit-purchased': {
    creditId: '3c9e1a7b-5d2f-5b4e-8a6c-1f3d5b7e9a2c',
    tenantId: 'acme-ai',
    commitmentId: '7e1a3c5b-9d2f-5e4a-b6c8-2d4f6a8c1e3b',
    supplierId: 'sup-nordic-dc',
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    gpuSeconds: 360000,
    pricePerGpuHour: usd('2415600'),
    askPerGpuHour: usd('2100000'),
    amount: usd('241560000'),
    availableAfterMicros: '758440000',
    expiresAt: '2026-12-31T00:00:00.000Z',
    ledgerTransactionId: '4b6d8f1a-3c5e-5a7b-9d2f-6e8a1c3b5d7f',
    purchasedAt: '2026-11-28T09:00:00.000Z',
  } satisfies ComputeCreditPurchasedPayload,
  'billing.compute-credit-transferred': {
    transferId: '5d7f9b2c-4e6a-5c8d-a1b3-7f9b2d4e6a8c',
    creditId: '3c9e1a7b-5d2f-5b4e-8a6c-1f3d5b7e9a2c',
    fromTenantId: 'acme-ai',
    toTenantId: 'acme-research',
    gpuSeconds: 144000,
    amount: usd('96624000'),
    ledgerTransactionId: '6e8a1c3d-5f7b-5d9e-b2c4-8a1c3e5f7b9d',
    transferredAt: '2026-11-28T09:05:00.000Z',
  } satisfies ComputeCreditTransferredPayload,
  'billing.compute-credit-expired': {
    creditId: '3c9e1a7b-5d2f-5b4e-8a6c-1f3d5b7e9a2c',
    tenantId: 'acme-research',
    gpuSeconds: 7200,
    amount: usd('4831200'),
    ledgerTransactionId: '7f9b2d4e-6a8c-5e1f-a3d5-9b2d4f6a8c1e',
    expiredAt: '2026-12-31T00:00:00.000Z',
  } satisfies ComputeCreditExpiredPayload,
  'billing.compute-credit-withdrawn': {
    withdrawalId: '8a1c3e5f-7b9d-5f2a-b4c6-1d3f5a7c9e2b',
    creditId: '3c9e1a7b-5d2f-5b4e-8a6c-1f3d5b7e9a2c',
    tenantId: 'acme-ai',
    address: '0x5B38Da6a701c568545dCfcB03FcB875f56beddC4',
    gpuSeconds: 36000,
    amount: usd('24156000'),
    ledgerTransactionId: '9b2d4f6a-8c1e-5a3b-85d7-2e4a6c8e1f3a',
    withdrawnAt: '2026-11-28T09:10:00.000Z',
  } satisfies ComputeCreditWithdrawnPayload,
  'billing.compute-credit-redeemed': {
    creditId: '3c9e1a7b-5d2f-5b4e-8a6c-1f3d5b7e9a2c',
    tenantId: 'acme-research',
    source: 'chain',
    reference: '0x4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081:0',
    gpuSeconds: 18000,
    amount: usd('12078000'),
    ledgerTransactionId: 'ac3e5a7b-9d2f-5b4c-96e8-3f5b7d9f2a4b',
    redeemedAt: '2026-11-28T09:20:00.000Z',
  } satisfies ComputeCreditRedeemedPayload,
} as const;
