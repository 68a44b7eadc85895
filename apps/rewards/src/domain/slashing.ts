/**
 * Slashing: a supplier-caused fault takes a share of the node's stake. The share grows with repeats: the n-th
 * fault of the node within the window (counting this one) slashes `baseBps × multiplier^(n−1)`, capped at
 * `maxBps`. Amounts round down (a slash never takes more than the share). Stake still unbonding is not slashed
 * (the stake left the node's security when unbonding began).
 */
export interface SlashPolicy {
  baseBps: number;
  repeatMultiplier: number;
  maxBps: number;
  windowMs: number;
}

export function slashShareBps(policy: SlashPolicy, faultsInWindowIncludingThis: number): number {
  if (faultsInWindowIncludingThis < 1) throw new RangeError('a slash counts at least the fault itself');
  let bps = policy.baseBps;
  for (let i = 1; i < faultsInWindowIncludingThis && bps < policy.maxBps; i += 1)
    bps *= policy.repeatMultiplier;
  return Math.min(bps, policy.maxBps);
}

export function slashUnits(stakedUnits: bigint, shareBps: number): bigint {
  return (stakedUnits * BigInt(shareBps)) / 10_000n;
}
