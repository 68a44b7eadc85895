import { Accounts, balancedTransaction, nettedPostings, Payer, Posting } from './ledger';
import { chargeMicros, supplierShareMicros } from './money-rules';

/**
 * Per-second metering of one reservation (one placement of a job), from the orchestrator's running and terminal
 * timestamps, at the prices matching snapshotted. Pure: the service feeds it what it stored and posts what it
 * returns.
 *
 * Time rules (written down because money depends on them):
 * - A gang's members run and stop together, so usage is wall seconds × GPUs on each node.
 * - The final usage counts every started second: `ceil((finishedAt − startedAt) / 1 s)`; a workload that never
 *   ran costs nothing.
 * - An accrual while the workload runs counts whole seconds elapsed: `floor((now − startedAt) / 1 s)`.
 * - Every posting is the difference between the cumulative amounts at the new and the old total (rules 1–4 of
 *   `money-rules.ts`), so however usage is sliced the postings add up to the amounts of the total. A finish
 *   reported after an accrual already ran past it moves the total back: the same difference, negative, is the
 *   adjusting entry.
 */

export interface MeteredNode {
  nodeId: string;
  supplierId: string;
  gpuProduct: string;
  gpus: number;
  pricePerGpuHourMicros: bigint;
  askPerGpuHourMicros: bigint;
}

/** Whole seconds from `startedAt` to `until`: rounded up for the final usage, down for an accrual. */
export function billableSeconds(startedAt: Date, until: Date, final: boolean): number {
  const elapsedMs = until.getTime() - startedAt.getTime();
  if (elapsedMs <= 0) return 0;
  return final ? Math.ceil(elapsedMs / 1000) : Math.floor(elapsedMs / 1000);
}

/** What the tenant pays for `seconds` of the reservation, per node, rounded up per node (rule 1). */
function chargeAt(nodes: readonly MeteredNode[], seconds: number): bigint {
  return nodes.reduce((sum, n) => sum + chargeMicros(n.pricePerGpuHourMicros, n.gpus * seconds), 0n);
}

export interface UsageChange {
  /** GPU-seconds added (negative for an adjustment back). */
  gpuSeconds: number;
  /** What the tenant is charged for them (negative: refunded). */
  chargedMicros: bigint;
  /** The part of a charge taken from the reservation's hold; the rest comes from `available`. */
  fromHeldMicros: bigint;
  supplierShares: Array<{ supplierId: string; nodeId: string; gpuSeconds: number; amountMicros: bigint }>;
  platformRevenueMicros: bigint;
  /** The ledger lines; empty when nothing changes in money (e.g. a second too cheap to round up to a micro). */
  postings: Posting[];
}

/**
 * The ledger effect of moving a reservation's metered wall time from `fromSeconds` to `toSeconds`. A charge is
 * taken from the payer's hold first (`heldRemainingMicros`), then from its `available`; a refund goes to
 * `available`.
 */
export function usageChange(
  payer: Payer,
  nodes: readonly MeteredNode[],
  heldRemainingMicros: bigint,
  fromSeconds: number,
  toSeconds: number,
): UsageChange {
  const chargedMicros = chargeAt(nodes, toSeconds) - chargeAt(nodes, fromSeconds);
  const supplierShares = nodes.map((n) => ({
    supplierId: n.supplierId,
    nodeId: n.nodeId,
    gpuSeconds: n.gpus * (toSeconds - fromSeconds),
    amountMicros:
      supplierShareMicros(n.askPerGpuHourMicros, n.gpus * toSeconds) -
      supplierShareMicros(n.askPerGpuHourMicros, n.gpus * fromSeconds),
  }));
  const shares = supplierShares.reduce((sum, s) => sum + s.amountMicros, 0n);
  const platformRevenueMicros = chargedMicros - shares;
  const fromHeldMicros =
    chargedMicros > 0n ? (chargedMicros < heldRemainingMicros ? chargedMicros : heldRemainingMicros) : 0n;
  const lines: Posting[] = [
    { account: payer.held, amountMicros: -fromHeldMicros },
    { account: payer.available, amountMicros: -(chargedMicros - fromHeldMicros) },
    ...supplierShares.map((s) => ({
      account: Accounts.supplierPayable(s.supplierId),
      amountMicros: s.amountMicros,
    })),
    { account: Accounts.platformRevenue, amountMicros: platformRevenueMicros },
  ];
  const postings = nettedPostings(lines);
  return {
    gpuSeconds: nodes.reduce((sum, n) => sum + n.gpus, 0) * (toSeconds - fromSeconds),
    chargedMicros,
    fromHeldMicros,
    supplierShares,
    platformRevenueMicros,
    postings,
  };
}

/** The postings that return what is left of a hold to the payer's `available` (none when nothing is left). */
export function holdRelease(payer: Payer, heldRemainingMicros: bigint): Posting[] {
  if (heldRemainingMicros === 0n) return [];
  return balancedTransaction([
    { account: payer.held, amountMicros: -heldRemainingMicros },
    { account: payer.available, amountMicros: heldRemainingMicros },
  ]);
}

/** One invoice line: a reservation's usage at one unit price (a gang's nodes usually share it). */
export interface InvoiceLine {
  gpuProduct: string;
  /** Set when a compute credit paid the line (at its locked price): shown, not due. */
  computeCreditId?: string;
  gpuSeconds: number;
  unitPricePerGpuHourMicros: bigint;
  amountMicros: bigint;
}

/**
 * A finished reservation's invoice lines: one per unit price, each amount the sum of its nodes' charges (so
 * the lines add up to exactly what the ledger charged).
 */
export function invoiceLines(
  nodes: readonly MeteredNode[],
  seconds: number,
  computeCreditId?: string,
): InvoiceLine[] {
  const byPrice = new Map<string, InvoiceLine>();
  for (const n of nodes) {
    const key = `${n.gpuProduct}\u001f${n.pricePerGpuHourMicros}`;
    const line = byPrice.get(key) ?? {
      gpuProduct: n.gpuProduct,
      ...(computeCreditId ? { computeCreditId } : {}),
      gpuSeconds: 0,
      unitPricePerGpuHourMicros: n.pricePerGpuHourMicros,
      amountMicros: 0n,
    };
    line.gpuSeconds += n.gpus * seconds;
    line.amountMicros += chargeMicros(n.pricePerGpuHourMicros, n.gpus * seconds);
    byPrice.set(key, line);
  }
  return [...byPrice.values()];
}

/** The cost per second of a running reservation, rounded up: what the next seconds will draw. */
export function costPerSecondMicros(nodes: readonly MeteredNode[]): bigint {
  return chargeAt(nodes, 1);
}
