/**
 * Billing's arithmetic, in integer micro-units of the currency (bigint), never floats. The rounding rules:
 *
 * 1. A client is charged `ceil(price per GPU-hour × GPU-seconds / 3600)` for a stretch of usage: a fraction of a
 *    micro-unit is never given away, and never charged twice, because
 * 2. accruals are cumulative: an accrual posts `charge(all seconds so far) − charge(seconds already charged)`, so
 *    the accruals of a job always add up to exactly the charge of its total usage, however it was sliced.
 * 3. A supplier earns `floor(ask × GPU-seconds / 3600)`: rounding never pays out more than was earned.
 * 4. The platform keeps the rest: charge − supplier shares. With price ≥ ask (the ask plus the take rate) this is
 *    never negative, and the three always add up to the charge.
 * 5. A hold is `ceil(Σ GPUs × price × expected seconds / 3600 × (1 + margin))`.
 */

const SECONDS_PER_HOUR = 3600n;

function requireNonNegative(name: string, value: bigint | number): void {
  if (value < 0) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
}

/** Rule 1: what `gpuSeconds` at `pricePerGpuHourMicros` cost the client, rounded up. */
export function chargeMicros(pricePerGpuHourMicros: bigint, gpuSeconds: number): bigint {
  requireNonNegative('price', pricePerGpuHourMicros);
  requireNonNegative('gpuSeconds', gpuSeconds);
  if (!Number.isInteger(gpuSeconds)) throw new RangeError(`gpuSeconds must be whole, got ${gpuSeconds}`);
  const numerator = pricePerGpuHourMicros * BigInt(gpuSeconds);
  return (numerator + SECONDS_PER_HOUR - 1n) / SECONDS_PER_HOUR;
}

/** Rule 2: the amount to post when the metered total grows from `chargedSeconds` to `totalSeconds`. */
export function accrualMicros(
  pricePerGpuHourMicros: bigint,
  chargedSeconds: number,
  totalSeconds: number,
): bigint {
  if (totalSeconds < chargedSeconds) {
    throw new RangeError(`usage cannot shrink: ${chargedSeconds} s already charged, now ${totalSeconds} s`);
  }
  return (
    chargeMicros(pricePerGpuHourMicros, totalSeconds) - chargeMicros(pricePerGpuHourMicros, chargedSeconds)
  );
}

/** Rule 3: what a supplier earned for `gpuSeconds` at its ask, rounded down. */
export function supplierShareMicros(askPerGpuHourMicros: bigint, gpuSeconds: number): bigint {
  requireNonNegative('ask', askPerGpuHourMicros);
  requireNonNegative('gpuSeconds', gpuSeconds);
  return (askPerGpuHourMicros * BigInt(gpuSeconds)) / SECONDS_PER_HOUR;
}

/** Rule 5: the hold for a matched job: its expected cost plus a safety margin, rounded up. */
export function holdMicros(
  allocations: ReadonlyArray<{ gpus: number; pricePerGpuHourMicros: bigint }>,
  expectedSeconds: number,
  marginBps: number,
): bigint {
  requireNonNegative('expectedSeconds', expectedSeconds);
  if (!Number.isInteger(marginBps) || marginBps < 0) {
    throw new RangeError(`margin must be whole basis points ≥ 0, got ${marginBps}`);
  }
  const perHour = allocations.reduce((sum, a) => sum + BigInt(a.gpus) * a.pricePerGpuHourMicros, 0n);
  const numerator = perHour * BigInt(expectedSeconds) * BigInt(10_000 + marginBps);
  const denominator = SECONDS_PER_HOUR * 10_000n;
  return (numerator + denominator - 1n) / denominator;
}

/** One gang member's metered usage, at the prices snapshotted when the job was matched. */
export interface MeteredAllocation {
  supplierId: string;
  nodeId: string;
  gpuSeconds: number;
  pricePerGpuHourMicros: bigint;
  askPerGpuHourMicros: bigint;
}

export interface Split {
  chargedMicros: bigint;
  supplierShares: Array<{ supplierId: string; nodeId: string; gpuSeconds: number; amountMicros: bigint }>;
  platformRevenueMicros: bigint;
}

/** Rules 1, 3 and 4 over a whole job: what the tenant pays, what each supplier earns, what the platform keeps. */
export function splitUsage(allocations: readonly MeteredAllocation[]): Split {
  let chargedMicros = 0n;
  const supplierShares = allocations.map((a) => {
    if (a.pricePerGpuHourMicros < a.askPerGpuHourMicros) {
      throw new RangeError(`node ${a.nodeId}: the client price is below the supplier's ask`);
    }
    chargedMicros += chargeMicros(a.pricePerGpuHourMicros, a.gpuSeconds);
    return {
      supplierId: a.supplierId,
      nodeId: a.nodeId,
      gpuSeconds: a.gpuSeconds,
      amountMicros: supplierShareMicros(a.askPerGpuHourMicros, a.gpuSeconds),
    };
  });
  const shares = supplierShares.reduce((sum, s) => sum + s.amountMicros, 0n);
  return { chargedMicros, supplierShares, platformRevenueMicros: chargedMicros - shares };
}
