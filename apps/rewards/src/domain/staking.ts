import { DomainError, DomainErrorKind } from '@gridex/contracts';

/**
 * Staking rules, pure and clock-injected. Token amounts are integer base units. A node's stake must reach the
 * minimum for its GPU class × its GPUs to earn emissions; an unstake leaves the stake at once and becomes
 * withdrawable after the unbonding period; after an unstake the node waits out a cooldown before the next one.
 */

/** Codes that mean "not found", "not now" or "malformed"; every other rule refusal is `rejected`. */
const KIND_BY_CODE: Readonly<Record<string, DomainErrorKind>> = {
  'REWARDS.NODE_NOT_FOUND': 'not-found',
  'REWARDS.NO_WALLET': 'not-found',
  'REWARDS.UNSTAKE_COOLDOWN': 'conflict',
  'REWARDS.INVALID_AMOUNT': 'invalid',
};

/** A refusal by the rewards rules, with a stable code; the edge answers it by its kind. */
export class RewardsError extends DomainError {
  constructor(code: string, message: string) {
    super(code, KIND_BY_CODE[code] ?? 'rejected', message);
    this.name = 'RewardsError';
  }
}

export interface StakePolicy {
  unbondingMs: number;
  unstakeCooldownMs: number;
}

export interface NodeStake {
  stakedUnits: bigint;
  lastUnstakeAt?: Date;
}

export interface Unbonding {
  units: bigint;
  releaseAt: Date;
}

/** Adds to a node's stake; the result must reach the node's minimum. */
export function stake(current: NodeStake, units: bigint, requiredUnits: bigint): NodeStake {
  if (units <= 0n) throw new RewardsError('REWARDS.INVALID_AMOUNT', `a stake must be positive, got ${units}`);
  const after = current.stakedUnits + units;
  if (after < requiredUnits) {
    throw new RewardsError(
      'REWARDS.STAKE_BELOW_MINIMUM',
      `the node's stake would be ${after}, below its minimum of ${requiredUnits} (minimum per GPU of its class × GPUs)`,
    );
  }
  return { ...current, stakedUnits: after };
}

/** Starts unbonding `units` of a node's stake at `now`. */
export function unstake(
  current: NodeStake,
  units: bigint,
  policy: StakePolicy,
  now: Date,
): { stake: NodeStake; unbonding: Unbonding } {
  if (units <= 0n)
    throw new RewardsError('REWARDS.INVALID_AMOUNT', `an unstake must be positive, got ${units}`);
  if (units > current.stakedUnits) {
    throw new RewardsError(
      'REWARDS.UNSTAKE_EXCEEDS_STAKE',
      `cannot unstake ${units}: only ${current.stakedUnits} is staked`,
    );
  }
  if (current.lastUnstakeAt) {
    const nextAllowed = current.lastUnstakeAt.getTime() + policy.unstakeCooldownMs;
    if (now.getTime() < nextAllowed) {
      throw new RewardsError(
        'REWARDS.UNSTAKE_COOLDOWN',
        `the next unstake of this node is allowed from ${new Date(nextAllowed).toISOString()}`,
      );
    }
  }
  return {
    stake: { stakedUnits: current.stakedUnits - units, lastUnstakeAt: now },
    unbonding: { units, releaseAt: new Date(now.getTime() + policy.unbondingMs) },
  };
}

/** Which unbondings can be withdrawn at `now`. */
export function released<T extends Unbonding>(unbondings: readonly T[], now: Date): T[] {
  return unbondings.filter((u) => u.releaseAt.getTime() <= now.getTime());
}
