import fc from 'fast-check';
import { Accounts, balances, Posting } from './ledger';
import { advanceMeter, fundsRunOut, MeterInput, newMeter } from './meter';
import { billableSeconds, costPerSecondMicros, invoiceLines, MeteredNode } from './metering';
import { chargeMicros, supplierShareMicros } from './money-rules';

const T0 = new Date('2026-11-28T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const h100: MeteredNode = {
  nodeId: 'n-1',
  supplierId: 'dc',
  gpuProduct: 'H100-SXM5-80GB',
  gpus: 8,
  pricePerGpuHourMicros: 2_300_000n,
  askPerGpuHourMicros: 2_000_000n,
};
const rich = { fundsMicros: 10n ** 12n, holdMarginBps: 2000 };

describe('billableSeconds', () => {
  it.each<[string, number, boolean, number]>([
    ['an exact minute, final', 60_000, true, 60],
    ['a started second counts at the end', 60_001, true, 61],
    ['an accrual counts whole seconds only', 60_999, false, 60],
    ['a finish before the start costs nothing', -5, true, 0],
    ['no time at all', 0, true, 0],
  ])('%s', (_name, elapsedMs, final, expected) => {
    expect(billableSeconds(T0, at(elapsedMs), final)).toBe(expected);
  });
});

describe('advanceMeter', () => {
  const finished = (ms: number, startedMs: number | null = 0): MeterInput => ({
    kind: 'finished',
    startedAt: startedMs === null ? undefined : at(startedMs),
    finishedAt: at(ms),
    outcome: 'succeeded',
  });
  const matched: MeterInput = { kind: 'matched', nodes: [h100], expectedSeconds: 3600 };

  it.each<[string, MeterInput[], string[], bigint]>([
    [
      'in order: hold, accrual, settlement',
      [matched, { kind: 'started', startedAt: at(0) }, { kind: 'tick', now: at(60_500) }, finished(90_000)],
      ['hold-placed', 'usage-recorded', 'settled'],
      chargeMicros(2_300_000n, 8 * 90),
    ],
    [
      'finish before prices: settled when the prices arrive, no hold',
      [finished(90_000), matched],
      ['settled'],
      chargeMicros(2_300_000n, 8 * 90),
    ],
    [
      'an accrual that ran past a late finish is adjusted back',
      [matched, { kind: 'started', startedAt: at(0) }, { kind: 'tick', now: at(120_000) }, finished(90_000)],
      ['hold-placed', 'usage-recorded', 'settled'],
      chargeMicros(2_300_000n, 8 * 90),
    ],
    [
      'started after finished changes nothing',
      [matched, finished(30_000), { kind: 'started', startedAt: at(0) }, { kind: 'tick', now: at(99_000) }],
      ['hold-placed', 'settled'],
      chargeMicros(2_300_000n, 8 * 30),
    ],
    [
      'never ran: the hold comes back whole',
      [matched, finished(5_000, null)],
      ['hold-placed', 'settled'],
      0n,
    ],
    [
      'duplicates have no second effect',
      [matched, matched, finished(1_000), finished(1_000), { kind: 'tick', now: at(9_000) }],
      ['hold-placed', 'settled'],
      chargeMicros(2_300_000n, 8),
    ],
  ])('%s', (_name, inputs, kinds, charged) => {
    const meter = newMeter('r', 'j', 't');
    const effects = inputs.flatMap((input) => advanceMeter(meter, input, rich));
    expect(effects.map((e) => e.kind)).toEqual(kinds);
    expect(meter.chargedMicros).toBe(charged);
    const ledger = balances(
      effects.map((e) =>
        'postings' in e ? e.postings : e.kind === 'usage-recorded' ? e.change.postings : [],
      ),
    );
    expect(ledger.get(Accounts.tenantHeld('t')) ?? 0n).toBe(0n);
    expect(ledger.get(Accounts.tenantAvailable('t')) ?? 0n).toBe(-charged);
  });

  it('rejects the hold when the funds do not cover it, and still meters what runs', () => {
    const meter = newMeter('r', 'j', 't');
    const poor = { fundsMicros: 1_000_000n, holdMarginBps: 0 };
    const effects = [matched, finished(10_000)].flatMap((input) => advanceMeter(meter, input, poor));
    expect(effects[0]).toEqual({
      kind: 'hold-rejected',
      requiredMicros: 8n * 2_300_000n,
      fundsMicros: 1_000_000n,
    });
    expect(effects[1]).toMatchObject({ kind: 'settled', releasedMicros: 0n });
    expect(meter.chargedMicros).toBe(chargeMicros(2_300_000n, 80));
  });

  it('holds GPUs × price × expected duration plus the margin, rounded up', () => {
    const meter = newMeter('r', 'j', 't');
    const [hold] = advanceMeter(
      meter,
      { kind: 'matched', nodes: [h100, { ...h100, nodeId: 'n-2' }], expectedSeconds: 1800 },
      rich,
    );
    // 16 GPUs × 2.30 × 0.5 h × 1.2 = 22.08
    expect(hold).toMatchObject({ kind: 'hold-placed', amountMicros: 22_080_000n });
  });
});

describe('fundsRunOut', () => {
  it.each<[string, bigint, Array<[bigint, bigint]>, number, boolean]>([
    ['no running work', 0n, [], 60, false],
    ['the hold still covers the horizon', 0n, [[100n, 6000n]], 60, false],
    ['available covers the shortfall', 100n, [[100n, 5900n]], 60, false],
    ['available does not', 99n, [[100n, 5900n]], 60, true],
    [
      'shortfalls of several jobs add up',
      150n,
      [
        [100n, 5900n],
        [100n, 5900n],
      ],
      60,
      true,
    ],
  ])('%s', (_name, funds, running, horizon, expected) => {
    expect(
      fundsRunOut(
        funds,
        running.map(([costPerSecondMicros, heldRemainingMicros]) => ({
          costPerSecondMicros,
          heldRemainingMicros,
        })),
        horizon,
      ),
    ).toBe(expected);
  });
});

describe('invoiceLines', () => {
  it('groups nodes by unit price and adds their charges, so lines sum to the ledger charge', () => {
    const cheaper = { ...h100, nodeId: 'n-3', pricePerGpuHourMicros: 2_200_001n };
    const lines = invoiceLines([h100, { ...h100, nodeId: 'n-2' }, cheaper], 61);
    expect(lines).toEqual([
      {
        gpuProduct: 'H100-SXM5-80GB',
        gpuSeconds: 16 * 61,
        unitPricePerGpuHourMicros: 2_300_000n,
        amountMicros: 2n * chargeMicros(2_300_000n, 8 * 61),
      },
      {
        gpuProduct: 'H100-SXM5-80GB',
        gpuSeconds: 8 * 61,
        unitPricePerGpuHourMicros: 2_200_001n,
        amountMicros: chargeMicros(2_200_001n, 8 * 61),
      },
    ]);
    expect(costPerSecondMicros([h100])).toBe(chargeMicros(2_300_000n, 8));
  });
});

describe('any order, any duplicates, any accrual timing: the ledger a straightforward computation expects', () => {
  const node = fc.record({
    nodeId: fc.constantFrom('n-1', 'n-2', 'n-3'),
    supplierId: fc.constantFrom('s-1', 's-2'),
    gpuProduct: fc.constant('RTX-4090-24GB'),
    gpus: fc.integer({ min: 1, max: 8 }),
    askPerGpuHourMicros: fc.bigInt({ min: 0n, max: 5_000_000n }),
    takeBps: fc.integer({ min: 0, max: 3000 }),
  });
  const reservation = fc.record({
    nodes: fc.array(node, { minLength: 1, maxLength: 4 }),
    startMs: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: undefined }),
    durationMs: fc.integer({ min: 0, max: 7_200_000 }),
    tickMs: fc.array(fc.integer({ min: 0, max: 9_000_000 }), { maxLength: 6 }),
    duplicate: fc.array(fc.nat(), { maxLength: 3 }),
  });

  it('debits = credits, totals = the reference, whatever the delivery', () => {
    fc.assert(
      fc.property(
        fc.array(reservation, { minLength: 1, maxLength: 5 }),
        fc.infiniteStream(fc.double()),
        (jobs, random) => {
          const transactions: Posting[][] = [];
          const expected = new Map<string, bigint>();
          const add = (account: string, amount: bigint) =>
            expected.set(account, (expected.get(account) ?? 0n) + amount);
          jobs.forEach((job, index) => {
            const nodes: MeteredNode[] = job.nodes.map(({ takeBps, ...n }) => ({
              ...n,
              pricePerGpuHourMicros: (n.askPerGpuHourMicros * BigInt(10_000 + takeBps) + 9_999n) / 10_000n,
            }));
            const finishMs = (job.startMs ?? 0) + job.durationMs;
            const inputs: MeterInput[] = [
              { kind: 'matched', nodes, expectedSeconds: 600 },
              {
                kind: 'finished',
                startedAt: job.startMs === undefined ? undefined : at(job.startMs),
                finishedAt: at(finishMs),
                outcome: 'succeeded',
              },
              ...(job.startMs === undefined
                ? []
                : [{ kind: 'started' as const, startedAt: at(job.startMs) }]),
              ...job.tickMs.map((ms) => ({ kind: 'tick' as const, now: at(ms) })),
            ];
            for (const d of job.duplicate) inputs.push(inputs[d % inputs.length]);
            const shuffled = inputs
              .map((input) => ({ input, key: random.next().value }))
              .sort((a, b) => a.key - b.key)
              .map(({ input }) => input);
            const meter = newMeter(`r-${index}`, `j-${index}`, 'acme');
            for (const input of shuffled) {
              for (const effect of advanceMeter(meter, input, rich)) {
                transactions.push(
                  effect.kind === 'usage-recorded'
                    ? effect.change.postings
                    : 'postings' in effect
                      ? effect.postings
                      : [],
                );
              }
            }
            expect(meter.settled).toBe(true);
            // The reference: every started second of the run, per node, at the snapshot prices.
            const seconds = job.startMs === undefined ? 0 : Math.ceil(job.durationMs / 1000);
            for (const n of nodes) {
              const charge = chargeMicros(n.pricePerGpuHourMicros, n.gpus * seconds);
              const share = supplierShareMicros(n.askPerGpuHourMicros, n.gpus * seconds);
              add(Accounts.tenantAvailable('acme'), -charge);
              add(Accounts.supplierPayable(n.supplierId), share);
              add(Accounts.platformRevenue, charge - share);
            }
          });
          for (const postings of transactions) {
            expect(postings.reduce((sum, p) => sum + p.amountMicros, 0n)).toBe(0n);
          }
          const actual = balances(transactions);
          for (const account of new Set([...actual.keys(), ...expected.keys()])) {
            expect([account, actual.get(account) ?? 0n]).toEqual([account, expected.get(account) ?? 0n]);
          }
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
