import { clientPriceMicros } from '@gridex/contracts';
import { holdMicros } from './money-rules';
import { MeteredNode } from './metering';

/**
 * Compute credits: blocks of GPU-seconds of one GPU product, bought at a price locked when a supplier's
 * capacity commitment is sold, spent by jobs that run on that supplier's nodes of that product. Pure rules; the
 * money lives in the ledger (`credit:<id>:holder:<tenant>:available|held`, valued at the locked price).
 *
 * The locked price is a whole number of micro-units per GPU-second (× 3600 per GPU-hour), so every charge on a
 * credit is exact (`price / 3600 × GPU-seconds`, no rounding) and a holding's money always converts back to a
 * whole number of GPU-seconds: the credit's balance in GPU-hours is exact, not an estimate.
 */

export const SECONDS_PER_HOUR = 3600;

/**
 * The client price per GPU-hour a commitment's credits are sold at: the supplier's ask plus the platform's take
 * (as matching prices an offer), rounded up to a whole micro-unit per GPU-second.
 */
export function lockedCreditPrice(askPerGpuHourMicros: bigint, takeRateBps: number): bigint {
  if (askPerGpuHourMicros <= 0n) throw new RangeError(`an ask must be positive, got ${askPerGpuHourMicros}`);
  const perHour = clientPriceMicros(askPerGpuHourMicros, takeRateBps);
  const hour = BigInt(SECONDS_PER_HOUR);
  return ((perHour + hour - 1n) / hour) * hour;
}

/** What `gpuSeconds` of a credit are worth at its locked price: exact. */
export function creditValueMicros(pricePerGpuHourMicros: bigint, gpuSeconds: number): bigint {
  requireWholePrice(pricePerGpuHourMicros);
  if (!Number.isInteger(gpuSeconds) || gpuSeconds < 0) {
    throw new RangeError(`GPU-seconds must be whole and ≥ 0, got ${gpuSeconds}`);
  }
  return (pricePerGpuHourMicros / BigInt(SECONDS_PER_HOUR)) * BigInt(gpuSeconds);
}

/** The whole GPU-seconds a holding's money buys at the credit's price (rounded down while a hold is open). */
export function creditGpuSeconds(pricePerGpuHourMicros: bigint, micros: bigint): number {
  requireWholePrice(pricePerGpuHourMicros);
  if (micros <= 0n) return 0;
  return Number(micros / (pricePerGpuHourMicros / BigInt(SECONDS_PER_HOUR)));
}

function requireWholePrice(pricePerGpuHourMicros: bigint): void {
  if (pricePerGpuHourMicros <= 0n || pricePerGpuHourMicros % BigInt(SECONDS_PER_HOUR) !== 0n) {
    throw new RangeError(
      `a credit's price must be a positive multiple of 3600 micro-units per GPU-hour, got ${pricePerGpuHourMicros}`,
    );
  }
}

/** One tenant's holding of one credit, as a funding decision needs it. */
export interface CreditHolding {
  creditId: string;
  gpuProduct: string;
  supplierId: string;
  pricePerGpuHourMicros: bigint;
  askPerGpuHourMicros: bigint;
  expiresAt: Date;
  /** Money of the holding not reserved by a hold (the caller carries it from one decision to the next). */
  availableMicros: bigint;
}

/**
 * Which of a tenant's credits pays for a matched reservation, if any: jobs draw on credits before money. A
 * credit pays only a whole reservation (one payer per reservation, so its meter and its invoice line stay one
 * thing): every node of the gang must be of the credit's GPU product and supplier, the credit must not expire
 * before the job's expected end, and the holding must cover the hold at the credit's price. Among those, the
 * credit that expires first (then by id, so the choice is the same on every replay).
 */
export function creditFor(
  nodes: readonly MeteredNode[],
  expectedSeconds: number,
  holdings: readonly CreditHolding[],
  holdMarginBps: number,
  now: Date,
): CreditHolding | undefined {
  if (nodes.length === 0) return undefined;
  const expectedEnd = now.getTime() + expectedSeconds * 1000;
  const fitting = holdings.filter(
    (h) =>
      nodes.every((n) => n.gpuProduct === h.gpuProduct && n.supplierId === h.supplierId) &&
      h.expiresAt.getTime() >= expectedEnd &&
      creditHold(nodes, expectedSeconds, h, holdMarginBps) <= h.availableMicros,
  );
  fitting.sort(
    (a, b) =>
      a.expiresAt.getTime() - b.expiresAt.getTime() ||
      (a.creditId < b.creditId ? -1 : a.creditId > b.creditId ? 1 : 0),
  );
  return fitting[0];
}

/** The gang's nodes at the credit's locked prices: what its meter charges and pays its supplier. */
export function atCreditPrices(nodes: readonly MeteredNode[], credit: CreditHolding): MeteredNode[] {
  return nodes.map((n) => ({
    ...n,
    pricePerGpuHourMicros: credit.pricePerGpuHourMicros,
    askPerGpuHourMicros: credit.askPerGpuHourMicros,
  }));
}

function creditHold(
  nodes: readonly MeteredNode[],
  expectedSeconds: number,
  credit: CreditHolding,
  holdMarginBps: number,
): bigint {
  return holdMicros(
    nodes.map((n) => ({ gpus: n.gpus, pricePerGpuHourMicros: credit.pricePerGpuHourMicros })),
    expectedSeconds,
    holdMarginBps,
  );
}
