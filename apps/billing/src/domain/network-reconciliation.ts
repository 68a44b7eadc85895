import { supplierShareMicros } from './money-rules';

/**
 * What another network charged for a job, set against what Gridex metered and owes it, as pure rules. Gridex
 * owes a network what it owes any supplier: the ask (the network's price) per GPU-second on each node, rounded
 * down per node (money rule 3). The network rounds its own charge up, per node when it is a Gridex exchange, so
 * an honest pair differs by at most one micro-unit per node; anything more, or any difference in GPU-seconds,
 * is flagged for finance.
 */

export interface MeteredPlacement {
  /** The nodes of the placement that ran on the network, with Gridex's ask for them (the network's price). */
  nodes: ReadonlyArray<{ gpus: number; askPerGpuHourMicros: bigint }>;
  /** Wall seconds billing metered for the placement. */
  chargedSeconds: number;
  settled: boolean;
}

export interface NetworkCharge {
  gpuSeconds: number;
  chargedMicros: bigint;
}

export type ReconciliationStatus = 'matches' | 'rounding' | 'mismatch' | 'not-settled';

export interface Reconciliation {
  status: ReconciliationStatus;
  meteredGpuSeconds: number;
  owedMicros: bigint;
  /** What the network charged minus what Gridex owes it (positive: it charged more). */
  differenceMicros: bigint;
  reason: string;
}

export function reconcile(metered: MeteredPlacement | undefined, charge: NetworkCharge): Reconciliation {
  if (!metered || !metered.settled) {
    return {
      status: 'not-settled',
      meteredGpuSeconds: 0,
      owedMicros: 0n,
      differenceMicros: charge.chargedMicros,
      reason: 'Gridex has not settled the placement yet',
    };
  }
  const meteredGpuSeconds = metered.nodes.reduce((sum, n) => sum + n.gpus * metered.chargedSeconds, 0);
  const owedMicros = metered.nodes.reduce(
    (sum, n) => sum + supplierShareMicros(n.askPerGpuHourMicros, n.gpus * metered.chargedSeconds),
    0n,
  );
  const differenceMicros = charge.chargedMicros - owedMicros;
  const base = { meteredGpuSeconds, owedMicros, differenceMicros };
  if (charge.gpuSeconds !== meteredGpuSeconds) {
    return {
      ...base,
      status: 'mismatch',
      reason: `the network metered ${charge.gpuSeconds} GPU-seconds, Gridex ${meteredGpuSeconds}`,
    };
  }
  if (differenceMicros === 0n) return { ...base, status: 'matches', reason: 'equal' };
  if (differenceMicros > 0n && differenceMicros <= BigInt(metered.nodes.length)) {
    return {
      ...base,
      status: 'rounding',
      reason: 'within one micro-unit per node (the network rounds its charge up, Gridex its payable down)',
    };
  }
  return {
    ...base,
    status: 'mismatch',
    reason: `the network charged ${differenceMicros > 0n ? 'more' : 'less'} than Gridex owes for the same GPU-seconds`,
  };
}
