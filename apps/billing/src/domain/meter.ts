import { atCreditPrices, CreditHolding, creditFor } from './compute-credits';
import { holdMicros } from './money-rules';
import { billableSeconds, holdRelease, MeteredNode, usageChange, UsageChange } from './metering';
import { nettedPostings, payerOf, placeHold, Posting } from './ledger';

/**
 * One reservation's billing state, and how each lifecycle input changes it. The three events that feed it
 * (matched, started, finished) travel on different topics and may arrive in any order, twice, or late; the
 * rules below make the money come out the same in every order:
 *
 * - `finished` carries its own start time, so a `started` after it changes nothing;
 * - usage is settled once both the prices (`matched`) and the end (`finished`) are known, whichever comes last;
 * - a hold is placed only for a reservation that has not finished yet (one that already ended is settled
 *   directly, which nets to the same balances as hold → settle → release);
 * - accruals only ever move the charged total forward while the workload runs; settlement moves it to the
 *   final total, back if an accrual overtook a late finish;
 * - who pays is decided once, when the prices arrive: a compute credit of the tenant that fits the whole gang
 *   (see `creditFor`), else the tenant's money; the meter then runs at that payer's prices to the end.
 */
export interface MeterState {
  reservationId: string;
  jobId: string;
  tenantId: string;
  /** The compute credit paying for the reservation (set with `nodes`); absent: the tenant's money pays. */
  computeCreditId?: string;
  /** Known once `matched` arrived. */
  nodes?: MeteredNode[];
  expectedSeconds?: number;
  holdMicros: bigint;
  heldRemainingMicros: bigint;
  holdRejected: boolean;
  startedAt?: Date;
  finishedAt?: Date;
  outcome?: string;
  /** Wall seconds already posted to the ledger. */
  chargedSeconds: number;
  chargedMicros: bigint;
  settled: boolean;
}

export type MeterInput =
  | { kind: 'matched'; nodes: MeteredNode[]; expectedSeconds: number }
  | { kind: 'started'; startedAt: Date }
  | { kind: 'finished'; startedAt?: Date; finishedAt: Date; outcome: string }
  | { kind: 'tick'; now: Date };

export type MeterEffect =
  | { kind: 'hold-placed'; amountMicros: bigint; postings: Posting[] }
  | { kind: 'hold-rejected'; requiredMicros: bigint; fundsMicros: bigint }
  | { kind: 'usage-recorded'; throughSeconds: number; change: UsageChange }
  | {
      kind: 'settled';
      totalSeconds: number;
      change: UsageChange;
      releasedMicros: bigint;
      /** The usage and the hold release as one balanced ledger transaction; empty when nothing moves. */
      postings: Posting[];
    };

export interface MeterContext {
  /** What the tenant can still commit: available balance plus its credit limit (for the hold decision). */
  fundsMicros: bigint;
  holdMarginBps: number;
  /** The tenant's compute credit holdings, for who pays a matched reservation (none: money pays). */
  credits?: readonly CreditHolding[];
  /** When the input is applied: a credit must not expire before the job's expected end. */
  now?: Date;
}

export function newMeter(reservationId: string, jobId: string, tenantId: string): MeterState {
  return {
    reservationId,
    jobId,
    tenantId,
    holdMicros: 0n,
    heldRemainingMicros: 0n,
    holdRejected: false,
    chargedSeconds: 0,
    chargedMicros: 0n,
    settled: false,
  };
}

/** Applies one input; returns the effects to record (ledger postings and events). Mutates `state`. */
export function advanceMeter(state: MeterState, input: MeterInput, context: MeterContext): MeterEffect[] {
  if (state.settled) return [];
  const effects: MeterEffect[] = [];
  switch (input.kind) {
    case 'matched': {
      if (state.nodes) return [];
      const credit = creditFor(
        input.nodes,
        input.expectedSeconds,
        context.credits ?? [],
        context.holdMarginBps,
        context.now ?? new Date(),
      );
      state.computeCreditId = credit?.creditId;
      state.nodes = credit ? atCreditPrices(input.nodes, credit) : input.nodes;
      state.expectedSeconds = input.expectedSeconds;
      if (state.finishedAt) break; // ended before its prices arrived: settle below, no hold needed
      const required = holdMicros(
        state.nodes.map((n) => ({ gpus: n.gpus, pricePerGpuHourMicros: n.pricePerGpuHourMicros })),
        input.expectedSeconds,
        context.holdMarginBps,
      );
      if (required === 0n) break;
      if ((credit ? credit.availableMicros : context.fundsMicros) >= required) {
        state.holdMicros = required;
        state.heldRemainingMicros = required;
        effects.push({
          kind: 'hold-placed',
          amountMicros: required,
          postings: placeHold(payerOf(state), required),
        });
      } else {
        state.holdRejected = true;
        effects.push({ kind: 'hold-rejected', requiredMicros: required, fundsMicros: context.fundsMicros });
      }
      break;
    }
    case 'started':
      if (!state.startedAt && !state.finishedAt) state.startedAt = input.startedAt;
      return [];
    case 'finished':
      if (state.finishedAt) return [];
      state.finishedAt = input.finishedAt;
      state.startedAt = input.startedAt;
      state.outcome = input.outcome;
      break;
    case 'tick': {
      if (!state.nodes || !state.startedAt || state.finishedAt) return [];
      const through = billableSeconds(state.startedAt, input.now, false);
      if (through <= state.chargedSeconds) return [];
      const change = usageChange(
        payerOf(state),
        state.nodes,
        state.heldRemainingMicros,
        state.chargedSeconds,
        through,
      );
      record(state, change, through);
      effects.push({ kind: 'usage-recorded', throughSeconds: through, change });
      return effects;
    }
  }
  if (state.nodes && state.finishedAt) effects.push(settle(state, state.nodes, state.finishedAt));
  return effects;
}

function record(state: MeterState, change: UsageChange, through: number): void {
  state.chargedSeconds = through;
  state.chargedMicros += change.chargedMicros;
  state.heldRemainingMicros -= change.fromHeldMicros;
}

function settle(state: MeterState, nodes: MeteredNode[], finishedAt: Date): MeterEffect {
  const total = state.startedAt ? billableSeconds(state.startedAt, finishedAt, true) : 0;
  const payer = payerOf(state);
  const change = usageChange(payer, nodes, state.heldRemainingMicros, state.chargedSeconds, total);
  record(state, change, total);
  const releasedMicros = state.heldRemainingMicros;
  state.heldRemainingMicros = 0n;
  state.settled = true;
  return {
    kind: 'settled',
    totalSeconds: total,
    change,
    releasedMicros,
    postings: nettedPostings([...change.postings, ...holdRelease(payer, releasedMicros)]),
  };
}

/**
 * Whether a tenant's funds run out within `horizonSeconds`: what its running reservations will draw beyond
 * their remaining holds exceeds its available balance plus credit limit.
 */
export function fundsRunOut(
  fundsMicros: bigint,
  running: ReadonlyArray<{ costPerSecondMicros: bigint; heldRemainingMicros: bigint }>,
  horizonSeconds: number,
): boolean {
  const shortfall = running.reduce((sum, r) => {
    const need = r.costPerSecondMicros * BigInt(horizonSeconds) - r.heldRemainingMicros;
    return need > 0n ? sum + need : sum;
  }, 0n);
  return shortfall > 0n && fundsMicros < shortfall;
}
