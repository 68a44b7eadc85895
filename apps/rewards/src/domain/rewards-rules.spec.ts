import fc from 'fast-check';
import { EmissionCandidate, epochBudget, splitEmission, stakeMultiplierBps } from './emission';
import { slashShareBps, slashUnits } from './slashing';
import { released, RewardsError, stake, unstake } from './staking';
import { changeState, closeEpoch, effectiveAt } from './uptime';

const node = (nodeId: string, patch: Partial<EmissionCandidate> = {}): EmissionCandidate => ({
  nodeId,
  classWeight: 1,
  gpus: 1,
  onlineMs: 3_600_000,
  stakeMultiplierBps: 10_000,
  ...patch,
});

describe('epochBudget', () => {
  const schedule = { initialPerEpoch: 1_000_000n, decayBps: 1000, decayEveryEpochs: 24 };
  it.each<[number, bigint]>([
    [0, 1_000_000n],
    [23, 1_000_000n],
    [24, 900_000n],
    [48, 810_000n],
    [72, 729_000n],
  ])('epoch %i emits %s', (epoch, expected) => {
    expect(epochBudget(schedule, epoch)).toBe(expected);
  });

  it('floors at every step and never rises', () => {
    const odd = { initialPerEpoch: 7n, decayBps: 3333, decayEveryEpochs: 1 };
    expect([0, 1, 2, 3, 4, 5].map((n) => epochBudget(odd, n))).toEqual([7n, 4n, 2n, 1n, 0n, 0n]);
  });
});

describe('splitEmission', () => {
  it.each<[string, bigint, EmissionCandidate[], Record<string, bigint>]>([
    ['no eligible node: nothing', 1000n, [], {}],
    ['one node takes all', 1000n, [node('a')], { a: 1000n }],
    ['equal weights split evenly', 1000n, [node('a'), node('b')], { a: 500n, b: 500n }],
    // 1000 / 3 = 333 r 1 each: the one unit left goes to the smallest id among equal remainders
    [
      'remainder by largest fraction, ties by node id',
      1000n,
      [node('c'), node('a'), node('b')],
      { a: 334n, b: 333n, c: 333n },
    ],
    [
      'weight is class × GPUs × uptime × multiplier',
      900n,
      [
        node('dc', { classWeight: 4, gpus: 8 }),
        node('home', { gpus: 1, onlineMs: 1_800_000, stakeMultiplierBps: 20_000 }),
      ],
      // 32 : 1 → 872.72… : 27.27… → 872 + 27 = 899, the last unit to the larger remainder (dc .72)
      { dc: 873n, home: 27n },
    ],
    ['a node with no uptime gets nothing', 10n, [node('a'), node('b', { onlineMs: 0 })], { a: 10n }],
  ])('%s', (_name, budget, candidates, expected) => {
    const shares = splitEmission(budget, candidates);
    expect(Object.fromEntries(shares.filter((s) => s.units > 0n).map((s) => [s.nodeId, s.units]))).toEqual(
      expected,
    );
  });

  it('always sums to the budget exactly, and is independent of input order (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.uniqueArray(
          fc.record({
            nodeId: fc.uuid(),
            classWeight: fc.integer({ min: 1, max: 8 }),
            gpus: fc.integer({ min: 1, max: 8 }),
            onlineMs: fc.integer({ min: 1, max: 3_600_000 }),
            stakeMultiplierBps: fc.integer({ min: 10_000, max: 30_000 }),
          }),
          { selector: (c) => c.nodeId, minLength: 1, maxLength: 60 },
        ),
        (budget, candidates) => {
          const shares = splitEmission(budget, candidates);
          expect(shares.reduce((sum, s) => sum + s.units, 0n)).toBe(budget);
          const reversed = splitEmission(budget, [...candidates].reverse());
          const byId = (list: typeof shares) => Object.fromEntries(list.map((s) => [s.nodeId, s.units]));
          expect(byId(reversed)).toEqual(byId(shares));
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('stakeMultiplierBps', () => {
  it.each<[bigint, bigint, number, number]>([
    [99n, 100n, 20_000, 0],
    [100n, 100n, 20_000, 10_000],
    [150n, 100n, 20_000, 15_000],
    [1000n, 100n, 20_000, 20_000],
    [5n, 0n, 20_000, 10_000],
  ])('stake %s of required %s (cap %i) → %i', (staked, required, cap, expected) => {
    expect(stakeMultiplierBps(staked, required, cap)).toBe(expected);
  });
});

describe('staking and unbonding (injected clock)', () => {
  const policy = { unbondingMs: 7 * 86_400_000, unstakeCooldownMs: 86_400_000 };
  const t0 = new Date('2026-11-28T00:00:00Z');
  const later = (ms: number) => new Date(t0.getTime() + ms);

  it.each<[string, () => unknown, string]>([
    ['staking below the minimum', () => stake({ stakedUnits: 0n }, 99n, 100n), 'REWARDS.STAKE_BELOW_MINIMUM'],
    ['a zero stake', () => stake({ stakedUnits: 500n }, 0n, 100n), 'REWARDS.INVALID_AMOUNT'],
    [
      'unstaking more than staked',
      () => unstake({ stakedUnits: 10n }, 11n, policy, t0),
      'REWARDS.UNSTAKE_EXCEEDS_STAKE',
    ],
    [
      'a second unstake within the cooldown',
      () => unstake({ stakedUnits: 10n, lastUnstakeAt: t0 }, 1n, policy, later(86_399_999)),
      'REWARDS.UNSTAKE_COOLDOWN',
    ],
  ])('refuses %s with a code', (_name, act, code) => {
    expect(act).toThrow(RewardsError);
    try {
      act();
    } catch (error) {
      expect((error as RewardsError).code).toBe(code);
    }
  });

  it('adds to an existing stake, unbonds for the period, allows the next unstake after the cooldown', () => {
    const staked = stake({ stakedUnits: 80n }, 40n, 100n);
    expect(staked.stakedUnits).toBe(120n);
    const first = unstake(staked, 20n, policy, t0);
    expect(first.stake).toEqual({ stakedUnits: 100n, lastUnstakeAt: t0 });
    expect(first.unbonding.releaseAt).toEqual(later(policy.unbondingMs));
    const second = unstake(first.stake, 100n, policy, later(86_400_000));
    expect(second.stake.stakedUnits).toBe(0n);
    expect(released([first.unbonding, second.unbonding], later(policy.unbondingMs))).toEqual([
      first.unbonding,
    ]);
    expect(
      released([first.unbonding, second.unbonding], later(policy.unbondingMs + 86_400_000)),
    ).toHaveLength(2);
  });
});

describe('slashing escalation', () => {
  const policy = { baseBps: 100, repeatMultiplier: 2, maxBps: 1000, windowMs: 30 * 86_400_000 };
  it.each<[number, number]>([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [9, 1000],
  ])('fault %i in the window slashes %i bps', (n, bps) => {
    expect(slashShareBps(policy, n)).toBe(bps);
  });

  it('rounds a slash down', () => {
    expect(slashUnits(999n, 100)).toBe(9n);
  });
});

describe('uptime', () => {
  const start = new Date('2026-11-28T10:00:00Z');
  const at = (min: number) => new Date(start.getTime() + min * 60_000);

  it('counts online stretches within the epoch and carries the running one into the next', () => {
    let uptime = changeState({ online: false, accruedMs: 0 }, true, at(0));
    uptime = changeState(uptime, false, at(20));
    uptime = changeState(uptime, true, at(30));
    const closed = closeEpoch(uptime, at(60));
    expect(closed.onlineMs).toBe(50 * 60_000);
    expect(closed.next).toEqual({ online: true, onlineSince: at(60), accruedMs: 0 });
  });

  it.each<[string, number, number]>([
    ['an observation in the open epoch applies when observed', 15, 15],
    ['an observation about a closed epoch is carried to the open epoch start', -10, 0],
    ['an observation from the future applies now', 90, 45],
  ])('%s', (_name, observedMin, expectedMin) => {
    expect(effectiveAt(at(observedMin), at(0), at(45))).toEqual(at(expectedMin));
  });
});
