import type { EventContract } from '../envelope/event-envelope';
import { BenchmarkCompleted } from './benchmark-completed/benchmark-completed.event';
import { CapacityChanged } from './capacity-changed/capacity-changed.event';
import { JobCancelled } from './job-cancelled/job-cancelled.event';
import { TenantShareSet } from './tenant-share-set/tenant-share-set.event';
import { JobExpired } from './job-expired/job-expired.event';
import { JobMatched } from './job-matched/job-matched.event';
import { JobPreempted } from './job-preempted/job-preempted.event';
import { JobSubmitted } from './job-submitted/job-submitted.event';
import { JobUnmatched } from './job-unmatched/job-unmatched.event';
import { NodeObserved } from './node-observed/node-observed.event';
import { NetworkOffersObserved } from './network-offers-observed/network-offers-observed.event';
import { NetworkChargeReported } from './network-charge-reported/network-charge-reported.event';
import { OfferDeclared } from './offer-declared/offer-declared.event';
import { PoolAvailabilityChanged } from './pool-availability-changed/pool-availability-changed.event';
import { SupplierFaultObserved } from './supplier-fault-observed/supplier-fault-observed.event';
import { SupplierRegistered } from './supplier-registered/supplier-registered.event';
import { UsageSettled } from './usage-settled/usage-settled.event';
import { VerificationRequested } from './verification-requested/verification-requested.event';
import { WorkloadFinished } from './workload-finished/workload-finished.event';
import { WorkloadScheduled } from './workload-scheduled/workload-scheduled.event';
import { CreditExhausted } from './credit-exhausted/credit-exhausted.event';
import { WorkloadStarted } from './workload-started/workload-started.event';
import { CreditAdded } from './credit-added/credit-added.event';
import { HoldPlaced } from './hold-placed/hold-placed.event';
import { HoldRejected } from './hold-rejected/hold-rejected.event';
import { HoldReleased } from './hold-released/hold-released.event';
import { UsageRecorded } from './usage-recorded/usage-recorded.event';
import { InvoiceIssued } from './invoice-issued/invoice-issued.event';
import { OffersRequested } from './offers-requested/offers-requested.event';
import { OffersAnswered } from './offers-answered/offers-answered.event';
import { QuoteRequested } from './quote-requested/quote-requested.event';
import { QuoteAnswered } from './quote-answered/quote-answered.event';
import { CreditRequested } from './credit-requested/credit-requested.event';
import { CreditDeclined } from './credit-declined/credit-declined.event';
import { PayoutRequested } from './payout-requested/payout-requested.event';
import { PayoutSettled } from './payout-settled/payout-settled.event';
import { ComputeCreditPurchased } from './compute-credit-purchased/compute-credit-purchased.event';
import { ComputeCreditTransferred } from './compute-credit-transferred/compute-credit-transferred.event';
import { ComputeCreditExpired } from './compute-credit-expired/compute-credit-expired.event';
import { ComputeCreditWithdrawn } from './compute-credit-withdrawn/compute-credit-withdrawn.event';
import { ComputeCreditRedeemed } from './compute-credit-redeemed/compute-credit-redeemed.event';
import { StakeSlashed } from './stake-slashed/stake-slashed.event';
import { EpochClosed } from './epoch-closed/epoch-closed.event';

/** Every published event contract, in the order of the main flow. */
export const EventContracts: ReadonlyArray<EventContract<unknown>> = [
  SupplierRegistered,
  OfferDeclared,
  PoolAvailabilityChanged,
  NodeObserved,
  NetworkOffersObserved,
  SupplierFaultObserved,
  CapacityChanged,
  VerificationRequested,
  BenchmarkCompleted,
  JobSubmitted,
  JobCancelled,
  TenantShareSet,
  CreditRequested,
  QuoteRequested,
  QuoteAnswered,
  OffersRequested,
  OffersAnswered,
  JobMatched,
  JobUnmatched,
  JobExpired,
  JobPreempted,
  WorkloadScheduled,
  WorkloadStarted,
  WorkloadFinished,
  NetworkChargeReported,
  CreditAdded,
  CreditDeclined,
  HoldPlaced,
  HoldRejected,
  UsageRecorded,
  HoldReleased,
  UsageSettled,
  CreditExhausted,
  InvoiceIssued,
  EpochClosed,
  StakeSlashed,
  PayoutRequested,
  PayoutSettled,
  ComputeCreditPurchased,
  ComputeCreditTransferred,
  ComputeCreditExpired,
  ComputeCreditWithdrawn,
  ComputeCreditRedeemed,
] as ReadonlyArray<EventContract<unknown>>;

const byTopic = new Map(EventContracts.map((contract) => [contract.topic, contract]));

/** The contract published on a topic, or undefined for an unknown topic. */
export function contractForTopic(topic: string): EventContract<unknown> | undefined {
  return byTopic.get(topic);
}
