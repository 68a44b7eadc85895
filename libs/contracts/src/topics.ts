import { GRIDEX_INSTANCE, topicPrefix } from './instance';

const P = topicPrefix(GRIDEX_INSTANCE);

/**
 * Every Kafka topic Gridex uses, in one place: `gridex.<domain>.<event>.v<N>` (`gridex-<instance>.…` for an
 * instance other than the default; see `instance.ts`). The domain is the service that owns (produces) the event.
 * A breaking change is a new `v<N+1>` entry published side by side with the old one. Each topic has a
 * dead-letter twin, `<topic>.dlq`.
 */
export const Topics = {
  supplierRegistered: `${P}.gateway.supplier-registered.v1`,
  offerDeclared: `${P}.gateway.offer-declared.v1`,
  poolAvailabilityChanged: `${P}.gateway.pool-availability-changed.v1`,
  jobSubmitted: `${P}.gateway.job-submitted.v1`,
  jobCancelled: `${P}.gateway.job-cancelled.v1`,
  tenantShareSet: `${P}.gateway.tenant-share-set.v1`,
  creditRequested: `${P}.gateway.credit-requested.v1`,
  quoteRequested: `${P}.gateway.quote-requested.v1`,
  offersRequested: `${P}.gateway.offers-requested.v1`,
  nodeObserved: `${P}.orchestrator.node-observed.v1`,
  supplierFaultObserved: `${P}.orchestrator.supplier-fault-observed.v1`,
  networkOffersObserved: `${P}.orchestrator.network-offers-observed.v1`,
  capacityChanged: `${P}.inventory.capacity-changed.v1`,
  verificationRequested: `${P}.inventory.verification-requested.v1`,
  benchmarkCompleted: `${P}.orchestrator.benchmark-completed.v1`,
  jobMatched: `${P}.matching.job-matched.v1`,
  jobUnmatched: `${P}.matching.job-unmatched.v1`,
  jobExpired: `${P}.matching.job-expired.v1`,
  jobPreempted: `${P}.matching.job-preempted.v1`,
  quoteAnswered: `${P}.matching.quote-answered.v1`,
  offersAnswered: `${P}.matching.offers-answered.v1`,
  workloadScheduled: `${P}.orchestrator.workload-scheduled.v1`,
  workloadStarted: `${P}.orchestrator.workload-started.v1`,
  workloadFinished: `${P}.orchestrator.workload-finished.v1`,
  networkChargeReported: `${P}.orchestrator.network-charge-reported.v1`,
  usageSettled: `${P}.billing.usage-settled.v1`,
  creditExhausted: `${P}.billing.credit-exhausted.v1`,
  creditAdded: `${P}.billing.credit-added.v1`,
  creditDeclined: `${P}.billing.credit-declined.v1`,
  holdPlaced: `${P}.billing.hold-placed.v1`,
  holdRejected: `${P}.billing.hold-rejected.v1`,
  holdReleased: `${P}.billing.hold-released.v1`,
  usageRecorded: `${P}.billing.usage-recorded.v1`,
  invoiceIssued: `${P}.billing.invoice-issued.v1`,
  payoutSettled: `${P}.billing.payout-settled.v1`,
  computeCreditPurchased: `${P}.billing.compute-credit-purchased.v1`,
  computeCreditTransferred: `${P}.billing.compute-credit-transferred.v1`,
  computeCreditExpired: `${P}.billing.compute-credit-expired.v1`,
  computeCreditWithdrawn: `${P}.billing.compute-credit-withdrawn.v1`,
  computeCreditRedeemed: `${P}.billing.compute-credit-redeemed.v1`,
  epochClosed: `${P}.rewards.epoch-closed.v1`,
  stakeSlashed: `${P}.rewards.stake-slashed.v1`,
  payoutRequested: `${P}.rewards.payout-requested.v1`,
} as const;

export type TopicName = string;

/**
 * Partitions per topic. Partitions bound consumer parallelism; keys are aggregate ids, so ordering per job, node
 * or supplier holds at any count. High-volume flows get more.
 */
export const TopicPartitions: Record<TopicName, number> = {
  [Topics.supplierRegistered]: 3,
  [Topics.offerDeclared]: 3,
  [Topics.poolAvailabilityChanged]: 3,
  [Topics.jobSubmitted]: 12,
  [Topics.jobCancelled]: 6,
  [Topics.tenantShareSet]: 3,
  [Topics.creditRequested]: 3,
  [Topics.quoteRequested]: 3,
  [Topics.offersRequested]: 3,
  [Topics.nodeObserved]: 12,
  [Topics.supplierFaultObserved]: 3,
  [Topics.networkOffersObserved]: 3,
  [Topics.capacityChanged]: 12,
  [Topics.offersAnswered]: 3,
  [Topics.verificationRequested]: 6,
  [Topics.benchmarkCompleted]: 6,
  [Topics.jobMatched]: 12,
  [Topics.jobUnmatched]: 6,
  [Topics.jobExpired]: 6,
  [Topics.jobPreempted]: 6,
  [Topics.quoteAnswered]: 3,
  [Topics.workloadScheduled]: 12,
  [Topics.workloadStarted]: 12,
  [Topics.workloadFinished]: 12,
  [Topics.networkChargeReported]: 3,
  [Topics.usageSettled]: 6,
  [Topics.creditExhausted]: 6,
  [Topics.creditAdded]: 3,
  [Topics.creditDeclined]: 3,
  [Topics.holdPlaced]: 6,
  [Topics.holdRejected]: 6,
  [Topics.holdReleased]: 6,
  [Topics.usageRecorded]: 12,
  [Topics.invoiceIssued]: 3,
  [Topics.epochClosed]: 1,
  [Topics.stakeSlashed]: 3,
  [Topics.payoutRequested]: 3,
  [Topics.payoutSettled]: 3,
  [Topics.computeCreditPurchased]: 3,
  [Topics.computeCreditTransferred]: 3,
  [Topics.computeCreditExpired]: 3,
  [Topics.computeCreditWithdrawn]: 3,
  [Topics.computeCreditRedeemed]: 3,
};

/**
 * Topics whose Kafka log is compacted: only the latest message per key is kept, so a consumer that reads from the
 * beginning gets the current state of every aggregate (e.g. matching rebuilding its offer book).
 */
export const CompactedTopics: ReadonlySet<TopicName> = new Set([Topics.capacityChanged]);

/** Dead-letter topics have one partition: they are read by people and replay tools, not for throughput. */
export const DEAD_LETTER_PARTITIONS = 1;

/** The dead-letter topic of a topic. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
