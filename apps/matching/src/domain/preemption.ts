import { violations } from './hard-constraints';
import { NodeAllocation, OfferBook, Placement, PlacementRequest } from './offer-book';

/** An interruptible job holding capacity that on-demand work may take back. */
export interface PreemptibleReservation {
  reservationId: string;
  jobId: string;
  allocations: ReadonlyArray<Pick<NodeAllocation, 'nodeId' | 'gpus' | 'priceMicros'>>;
}

export interface PreemptionPlan {
  placement: Placement;
  victims: PreemptibleReservation[];
}

/** What the victim pays per hour: the cheapest work is preempted first. */
function hourlyValueMicros(victim: PreemptibleReservation): bigint {
  return victim.allocations.reduce((sum, a) => sum + a.priceMicros * BigInt(a.gpus), 0n);
}

/**
 * Where an on-demand job fits if some interruptible work is stopped: the victims are taken cheapest first
 * (then fewest GPUs, then id) until the job fits, then every victim that is not needed for the job to fit is
 * given back (most expensive first), so the set is small and cheap. Only work on nodes the job could use at
 * all is considered. The book is left exactly as it was; the caller applies the plan.
 */
export function planPreemption(
  book: OfferBook,
  job: PlacementRequest,
  running: readonly PreemptibleReservation[],
): PreemptionPlan | undefined {
  if (job.tier !== 'on-demand') return undefined;
  const usable = (nodeId: string) => {
    const node = book.get(nodeId);
    if (!node || node.allocatableGpus < job.gpusPerNode) return false;
    return violations(node, job, book.takeRateBps).every((constraint) => constraint === 'gpus-per-node');
  };
  const candidates = running
    .filter((victim) => victim.allocations.some((a) => usable(a.nodeId)))
    .sort((a, b) => {
      const va = hourlyValueMicros(a);
      const vb = hourlyValueMicros(b);
      if (va !== vb) return va < vb ? -1 : 1;
      const ga = a.allocations.reduce((s, x) => s + x.gpus, 0);
      const gb = b.allocations.reduce((s, x) => s + x.gpus, 0);
      if (ga !== gb) return ga - gb;
      return a.reservationId < b.reservationId ? -1 : 1;
    });
  const victims: PreemptibleReservation[] = [];
  let placement: Placement | undefined;
  for (const victim of candidates) {
    book.release(victim.allocations);
    victims.push(victim);
    placement = book.place(job);
    if (placement) break;
  }
  if (!placement) {
    for (const victim of victims) book.reserve(victim.allocations);
    return undefined;
  }
  for (const victim of [...victims].reverse()) {
    book.reserve(victim.allocations);
    if (book.place(job)) victims.splice(victims.indexOf(victim), 1);
    else book.release(victim.allocations);
  }
  placement = book.place(job) as Placement;
  for (const victim of victims) book.reserve(victim.allocations);
  return { placement, victims };
}
