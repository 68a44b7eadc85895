/**
 * Rules for supplier offers: what a valid offer is, which price applies to a node, and when a node can be sold.
 * Money is integer micro-units (bigint); nothing here rounds.
 */

export interface OfferTerms {
  supplierId: string;
  pool: string;
  currency: string;
  pricePerGpuHourMicros: bigint;
  interruptiblePricePerGpuHourMicros?: bigint;
  minLeaseSeconds: number;
  maxLeaseSeconds?: number;
  validFrom: number; // epoch ms
  validUntil?: number;
  /** Per-node prices that replace the pool price (e.g. a node with faster storage). */
  nodeOverrides?: Array<{ nodeName: string; pricePerGpuHourMicros: bigint }>;
}

export interface OfferContext {
  /** The platform's settlement currency. */
  currency: string;
  /** Ceiling on any price per GPU-hour: above it a price is a typo, not a price. */
  maxPricePerGpuHourMicros: bigint;
  /** The suppliers that have nodes in each pool name. */
  poolOwners: ReadonlyMap<string, ReadonlySet<string>>;
  /** Node names per (supplier, pool), as `${supplier}/${pool}`. */
  poolNodes: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface OfferProblem {
  code:
    | 'INVENTORY.UNSUPPORTED_CURRENCY'
    | 'INVENTORY.INVALID_PRICE'
    | 'INVENTORY.INVALID_LEASE'
    | 'INVENTORY.INVALID_VALIDITY'
    | 'INVENTORY.UNKNOWN_POOL'
    | 'INVENTORY.FOREIGN_POOL'
    | 'INVENTORY.UNKNOWN_NODE';
  field: string;
  message: string;
}

/** Every problem with an offer (empty when it may be stored). All are reported at once. */
export function offerProblems(offer: OfferTerms, context: OfferContext): OfferProblem[] {
  const problems: OfferProblem[] = [];
  const add = (code: OfferProblem['code'], field: string, message: string) =>
    problems.push({ code, field, message });
  const checkPrice = (field: string, micros: bigint) => {
    if (micros <= 0n) add('INVENTORY.INVALID_PRICE', field, `must be more than 0, got ${micros} micro-units`);
    else if (micros > context.maxPricePerGpuHourMicros) {
      add(
        'INVENTORY.INVALID_PRICE',
        field,
        `must be at most ${context.maxPricePerGpuHourMicros} micro-units per GPU-hour, got ${micros}`,
      );
    }
  };

  if (offer.currency !== context.currency) {
    add(
      'INVENTORY.UNSUPPORTED_CURRENCY',
      'currency',
      `prices are in ${context.currency}, got ${offer.currency}`,
    );
  }
  checkPrice('pricePerGpuHour', offer.pricePerGpuHourMicros);
  if (offer.interruptiblePricePerGpuHourMicros !== undefined) {
    checkPrice('interruptiblePricePerGpuHour', offer.interruptiblePricePerGpuHourMicros);
    // Compared only against a valid on-demand price, so one bad number yields one problem.
    if (
      offer.pricePerGpuHourMicros > 0n &&
      offer.interruptiblePricePerGpuHourMicros > offer.pricePerGpuHourMicros
    ) {
      add('INVENTORY.INVALID_PRICE', 'interruptiblePricePerGpuHour', 'must not exceed the on-demand price');
    }
  }
  if (!Number.isInteger(offer.minLeaseSeconds) || offer.minLeaseSeconds < 1) {
    add(
      'INVENTORY.INVALID_LEASE',
      'minLeaseSeconds',
      `must be a whole number of seconds ≥ 1, got ${offer.minLeaseSeconds}`,
    );
  }
  if (offer.maxLeaseSeconds !== undefined && !(offer.maxLeaseSeconds >= offer.minLeaseSeconds)) {
    add('INVENTORY.INVALID_LEASE', 'maxLeaseSeconds', 'must be at least minLeaseSeconds');
  }
  if (offer.validUntil !== undefined && !(offer.validUntil > offer.validFrom)) {
    add('INVENTORY.INVALID_VALIDITY', 'validUntil', 'must be later than validFrom');
  }
  const owners = context.poolOwners.get(offer.pool);
  if (!owners || owners.size === 0) {
    add('INVENTORY.UNKNOWN_POOL', 'pool', `no nodes are in pool "${offer.pool}"`);
  } else if (!owners.has(offer.supplierId)) {
    add('INVENTORY.FOREIGN_POOL', 'pool', `pool "${offer.pool}" belongs to another supplier`);
  } else {
    const nodes = context.poolNodes.get(`${offer.supplierId}/${offer.pool}`) ?? new Set<string>();
    (offer.nodeOverrides ?? []).forEach((override, index) => {
      if (!nodes.has(override.nodeName)) {
        add(
          'INVENTORY.UNKNOWN_NODE',
          `nodeOverrides[${index}].nodeName`,
          `"${override.nodeName}" is not in pool "${offer.pool}"`,
        );
      }
      checkPrice(`nodeOverrides[${index}].pricePerGpuHour`, override.pricePerGpuHourMicros);
    });
  }
  return problems;
}

/** Whether the offer is in force at `at`. */
export function offerInForce(offer: Pick<OfferTerms, 'validFrom' | 'validUntil'>, at: number): boolean {
  return offer.validFrom <= at && (offer.validUntil === undefined || at < offer.validUntil);
}

/**
 * The supplier's ask per GPU-hour for one node and tier, or undefined when the offer does not cover it (not in
 * force, or interruptible work on an offer without an interruptible price).
 */
export function askFor(
  offer: OfferTerms,
  nodeName: string,
  tier: 'on-demand' | 'interruptible',
  at: number,
): bigint | undefined {
  if (!offerInForce(offer, at)) return undefined;
  if (tier === 'interruptible') return offer.interruptiblePricePerGpuHourMicros;
  return (
    offer.nodeOverrides?.find((override) => override.nodeName === nodeName)?.pricePerGpuHourMicros ??
    offer.pricePerGpuHourMicros
  );
}

/** A node can be sold when it is Ready, has GPUs free, its pool is not paused, it has an offer in force and has not failed verification. */
export function isSellable(node: {
  ready: boolean;
  allocatableGpus: number;
  poolPaused: boolean;
  verification: 'unverified' | 'verified' | 'failed';
  offerInForce: boolean;
}): boolean {
  return (
    node.ready &&
    node.allocatableGpus > 0 &&
    !node.poolPaused &&
    node.offerInForce &&
    node.verification !== 'failed'
  );
}
