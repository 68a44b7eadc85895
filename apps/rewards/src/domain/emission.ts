/**
 * Epoch emissions, in integer token base units (bigint). Everything here is deterministic: the same stored
 * inputs always give the same split, to the unit.
 *
 * Schedule: epoch `n` (0-based from the genesis epoch) emits
 *   `budget(n) = floor(initial × (10000 − decayBps)^k / 10000^k)`, with `k = floor(n / decayEveryEpochs)`,
 * computed step by step (floor after every step), so the budget decays geometrically and never rises.
 *
 * Split: each eligible node weighs `class weight × GPUs × online milliseconds × stake multiplier (bps)`. A node
 * gets `floor(budget × weight / total weight)`; the few units that flooring leaves (fewer than the number of
 * nodes) go one each to the nodes with the largest fractional remainders, ties broken by node id ascending
 * (the largest-remainder method). The shares therefore always sum to exactly the budget. With no eligible node
 * nothing is distributed and the budget is not carried over (it is recorded as undistributed).
 */

export interface EmissionSchedule {
  initialPerEpoch: bigint;
  decayBps: number;
  decayEveryEpochs: number;
}

export function epochBudget(schedule: EmissionSchedule, epochNumber: number): bigint {
  if (!Number.isInteger(epochNumber) || epochNumber < 0)
    throw new RangeError(`epoch ${epochNumber} is not ≥ 0`);
  const steps = Math.floor(epochNumber / schedule.decayEveryEpochs);
  let budget = schedule.initialPerEpoch;
  const keep = BigInt(10_000 - schedule.decayBps);
  for (let i = 0; i < steps && budget > 0n; i += 1) budget = (budget * keep) / 10_000n;
  return budget;
}

export interface EmissionCandidate {
  nodeId: string;
  classWeight: number;
  gpus: number;
  onlineMs: number;
  stakeMultiplierBps: number;
}

export interface EmissionShare {
  nodeId: string;
  weight: bigint;
  units: bigint;
}

export function nodeWeight(c: EmissionCandidate): bigint {
  return BigInt(c.classWeight) * BigInt(c.gpus) * BigInt(c.onlineMs) * BigInt(c.stakeMultiplierBps);
}

/** Splits `budget` over the candidates by weight; the result sums to `budget` exactly (or is empty). */
export function splitEmission(budget: bigint, candidates: readonly EmissionCandidate[]): EmissionShare[] {
  const weighted = candidates
    .map((c) => ({ nodeId: c.nodeId, weight: nodeWeight(c) }))
    .filter((c) => c.weight > 0n);
  const total = weighted.reduce((sum, c) => sum + c.weight, 0n);
  if (total === 0n || budget === 0n) return weighted.map((c) => ({ ...c, units: 0n }));
  const shares = weighted.map((c) => {
    const scaled = budget * c.weight;
    return { ...c, units: scaled / total, remainder: scaled % total };
  });
  let left = budget - shares.reduce((sum, s) => sum + s.units, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder !== b.remainder
      ? a.remainder > b.remainder
        ? -1
        : 1
      : a.nodeId < b.nodeId
        ? -1
        : a.nodeId > b.nodeId
          ? 1
          : 0,
  );
  for (const share of byRemainder) {
    if (left === 0n) break;
    share.units += 1n;
    left -= 1n;
  }
  return shares.map(({ nodeId, weight, units }) => ({ nodeId, weight, units }));
}

/**
 * The stake multiplier: stake over the node's required minimum, in basis points, from 10000 (exactly the
 * minimum) up to `capBps`; 0 below the minimum (not eligible).
 */
export function stakeMultiplierBps(stakeUnits: bigint, requiredUnits: bigint, capBps: number): number {
  if (requiredUnits <= 0n) return 10_000;
  if (stakeUnits < requiredUnits) return 0;
  const bps = (stakeUnits * 10_000n) / requiredUnits;
  return bps > BigInt(capBps) ? capBps : Number(bps);
}
