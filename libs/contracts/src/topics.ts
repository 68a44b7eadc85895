/**
 * Every Kafka topic Gridex uses, in one place: `gridex.<domain>.<event>.v<N>`. The domain is the service that
 * owns (produces) the event. A breaking change is a new `v<N+1>` entry published side by side with the old one.
 * Each topic has a dead-letter twin, `<topic>.dlq`.
 */
export const Topics = {
  supplierRegistered: 'gridex.gateway.supplier-registered.v1',
  offerDeclared: 'gridex.gateway.offer-declared.v1',
  poolAvailabilityChanged: 'gridex.gateway.pool-availability-changed.v1',
  jobSubmitted: 'gridex.gateway.job-submitted.v1',
  jobCancelled: 'gridex.gateway.job-cancelled.v1',
  creditRequested: 'gridex.gateway.credit-requested.v1',
  quoteRequested: 'gridex.gateway.quote-requested.v1',
  offersRequested: 'gridex.gateway.offers-requested.v1',
  nodeObserved: 'gridex.orchestrator.node-observed.v1',
  supplierFaultObserved: 'gridex.orchestrator.supplier-fault-observed.v1',
  capacityChanged: 'gridex.inventory.capacity-changed.v1',
  offersAnswered: 'gridex.inventory.offers-answered.v1',
  verificationRequested: 'gridex.inventory.verification-requested.v1',
  benchmarkCompleted: 'gridex.orchestrator.benchmark-completed.v1',
  jobMatched: 'gridex.matching.job-matched.v1',
  jobUnmatched: 'gridex.matching.job-unmatched.v1',
  jobExpired: 'gridex.matching.job-expired.v1',
  jobPreempted: 'gridex.matching.job-preempted.v1',
  quoteAnswered: 'gridex.matching.quote-answered.v1',
  workloadScheduled: 'gridex.orchestrator.workload-scheduled.v1',
  workloadStarted: 'gridex.orchestrator.workload-started.v1',
  workloadFinished: 'gridex.orchestrator.workload-finished.v1',
  usageSettled: 'gridex.billing.usage-settled.v1',
  creditExhausted: 'gridex.billing.credit-exhausted.v1',
  creditAdded: 'gridex.billing.credit-added.v1',
  creditDeclined: 'gridex.billing.credit-declined.v1',
  holdPlaced: 'gridex.billing.hold-placed.v1',
  holdRejected: 'gridex.billing.hold-rejected.v1',
  holdReleased: 'gridex.billing.hold-released.v1',
  usageRecorded: 'gridex.billing.usage-recorded.v1',
  invoiceIssued: 'gridex.billing.invoice-issued.v1',
  payoutSettled: 'gridex.billing.payout-settled.v1',
  computeCreditPurchased: 'gridex.billing.compute-credit-purchased.v1',
  computeCreditTransferred: 'gridex.billing.compute-credit-transferred.v1',
  computeCreditExpired: 'gridex.billing.compute-credit-expired.v1',
  computeCreditWithdrawn: 'gridex.billing.compute-credit-withdrawn.v1',
  computeCreditRedeemed: 'gridex.billing.compute-credit-redeemed.v1',
  epochClosed: 'gridex.rewards.epoch-closed.v1',
  stakeSlashed: 'gridex.rewards.stake-slashed.v1',
  payoutRequested: 'gridex.rewards.payout-requested.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

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
  [Topics.creditRequested]: 3,
  [Topics.quoteRequested]: 3,
  [Topics.offersRequested]: 3,
  [Topics.nodeObserved]: 12,
  [Topics.supplierFaultObserved]: 3,
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
