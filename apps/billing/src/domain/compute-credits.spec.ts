import {
  CreditHolding,
  creditFor,
  creditGpuSeconds,
  creditValueMicros,
  lockedCreditPrice,
} from './compute-credits';
import { Accounts, balances, Posting } from './ledger';
import { advanceMeter, MeterInput, newMeter } from './meter';
import { MeteredNode } from './metering';
import { supplierShareMicros } from './money-rules';

const T0 = new Date('2026-11-28T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const node = (over: Partial<MeteredNode> = {}): MeteredNode => ({
  nodeId: 'n-1',
  supplierId: 'dc',
  gpuProduct: 'H100',
  gpus: 1,
  pricePerGpuHourMicros: 3_000_000n,
  askPerGpuHourMicros: 2_600_000n,
  ...over,
});
const credit = (over: Partial<CreditHolding> = {}): CreditHolding => ({
  creditId: 'c-1',
  gpuProduct: 'H100',
  supplierId: 'dc',
  pricePerGpuHourMicros: 2_419_200n,
  askPerGpuHourMicros: 2_100_000n,
  expiresAt: at(30 * 86_400_000),
  availableMicros: creditValueMicros(2_419_200n, 100 * 3600),
  ...over,
});

describe('lockedCreditPrice', () => {
  it.each<[string, bigint, number, bigint]>([
    ['ask + 15 %, rounded up to a whole micro-unit per GPU-second', 2_100_000n, 1500, 2_415_600n],
    ['already whole per second', 3_600_000n, 0, 3_600_000n],
    ['one micro-unit over a whole second rounds up a second', 3_600_001n, 0, 3_603_600n],
    ['the smallest ask costs one micro-unit per GPU-second', 1n, 1500, 3_600n],
  ])('%s', (_name, ask, take, expected) => {
    const price = lockedCreditPrice(ask, take);
    expect(price).toBe(expected);
    expect(price % 3600n).toBe(0n);
    expect(price).toBeGreaterThanOrEqual(ask);
  });

  it('refuses an ask of nothing', () => {
    expect(() => lockedCreditPrice(0n, 1500)).toThrow(RangeError);
  });
});

describe('credit value and balance', () => {
  it.each<[string, bigint, number, bigint]>([
    ['100 GPU-hours', 2_419_200n, 360_000, 241_920_000n],
    ['40 GPU-hours', 2_419_200n, 144_000, 96_768_000n],
    ['one GPU-second', 2_419_200n, 1, 672n],
    ['nothing', 2_419_200n, 0, 0n],
  ])('%s is exact and converts back', (_name, price, seconds, micros) => {
    expect(creditValueMicros(price, seconds)).toBe(micros);
    expect(creditGpuSeconds(price, micros)).toBe(seconds);
  });

  it('rounds a part-second of money down, and refuses a price that is not whole per second', () => {
    expect(creditGpuSeconds(2_419_200n, 673n)).toBe(1);
    expect(creditGpuSeconds(2_419_200n, -5n)).toBe(0);
    expect(() => creditValueMicros(2_300_000n, 10)).toThrow(RangeError);
  });
});

describe('creditFor: which credit pays a matched reservation', () => {
  const hour = 3600;
  it.each<[string, MeteredNode[], number, CreditHolding[], string | undefined]>([
    ['a fitting credit pays', [node()], hour, [credit()], 'c-1'],
    ['another GPU product: money pays', [node({ gpuProduct: 'A100' })], hour, [credit()], undefined],
    ['another supplier: money pays', [node({ supplierId: 'home' })], hour, [credit()], undefined],
    [
      'a gang with one node of another supplier: money pays the whole gang',
      [node(), node({ nodeId: 'n-2', supplierId: 'home' })],
      hour,
      [credit()],
      undefined,
    ],
    [
      'expires before the expected end: money pays',
      [node()],
      hour,
      [credit({ expiresAt: at(hour * 1000 - 1) })],
      undefined,
    ],
    [
      'cannot cover the hold with its margin: money pays',
      [node()],
      hour,
      [credit({ availableMicros: creditValueMicros(2_419_200n, hour) })],
      undefined,
    ],
    [
      'the credit that expires first pays',
      [node()],
      hour,
      [credit({ creditId: 'c-late' }), credit({ creditId: 'c-soon', expiresAt: at(2 * 86_400_000) })],
      'c-soon',
    ],
    [
      'equal expiry: the lower id, whatever the order given',
      [node()],
      hour,
      [credit({ creditId: 'c-b' }), credit({ creditId: 'c-a' })],
      'c-a',
    ],
    ['no credits: money pays', [node()], hour, [], undefined],
  ])('%s', (_name, nodes, expectedSeconds, holdings, chosen) => {
    expect(creditFor(nodes, expectedSeconds, holdings, 2000, T0)?.creditId).toBe(chosen);
  });
});

describe('a meter a compute credit pays', () => {
  const holding = credit();
  const inputs: MeterInput[] = [
    { kind: 'matched', nodes: [node({ gpus: 2 })], expectedSeconds: 3600 },
    { kind: 'started', startedAt: at(0) },
    { kind: 'tick', now: at(600_500) },
    { kind: 'finished', startedAt: at(0), finishedAt: at(1_800_000), outcome: 'succeeded' },
  ];

  it("runs at the credit's locked prices, from the holding's accounts, and pays the supplier its locked ask", () => {
    const meter = newMeter('r', 'j', 'acme');
    const context = { fundsMicros: 0n, holdMarginBps: 2000, credits: [{ ...holding }], now: T0 };
    const effects = inputs.flatMap((input) => advanceMeter(meter, input, context));
    expect(effects.map((e) => e.kind)).toEqual(['hold-placed', 'usage-recorded', 'settled']);
    expect(meter.computeCreditId).toBe('c-1');
    expect(meter.nodes?.[0].pricePerGpuHourMicros).toBe(2_419_200n);

    const purchase: Posting[] = [
      { account: Accounts.tenantAvailable('acme'), amountMicros: -holding.availableMicros },
      { account: Accounts.creditAvailable('c-1', 'acme'), amountMicros: holding.availableMicros },
    ];
    const ledger = balances([
      purchase,
      ...effects.flatMap((e) => ('postings' in e ? [e.postings] : 'change' in e ? [e.change.postings] : [])),
    ]);
    const used = 2 * 1800; // two GPUs for half an hour
    // The holding is down by exactly the GPU-seconds used: nothing rounded, nothing left held.
    expect(creditGpuSeconds(2_419_200n, ledger.get(Accounts.creditAvailable('c-1', 'acme')) ?? 0n)).toBe(
      100 * 3600 - used,
    );
    expect(ledger.get(Accounts.creditHeld('c-1', 'acme')) ?? 0n).toBe(0n);
    expect(ledger.get(Accounts.tenantHeld('acme')) ?? 0n).toBe(0n);
    expect(ledger.get(Accounts.supplierPayable('dc'))).toBe(supplierShareMicros(2_100_000n, used));
    expect(ledger.get(Accounts.platformRevenue)).toBe(
      creditValueMicros(2_419_200n, used) - supplierShareMicros(2_100_000n, used),
    );
  });

  it("leaves the tenant's money alone, and money pays when no credit fits", () => {
    const paidByCredit = newMeter('r1', 'j1', 'acme');
    const byCredit = advanceMeter(paidByCredit, inputs[0], {
      fundsMicros: 10n ** 12n,
      holdMarginBps: 2000,
      credits: [{ ...holding }],
      now: T0,
    });
    expect(byCredit.flatMap((e) => ('postings' in e ? e.postings : [])).map((p) => p.account)).toEqual([
      Accounts.creditAvailable('c-1', 'acme'),
      Accounts.creditHeld('c-1', 'acme'),
    ]);
    const paidByMoney = newMeter('r2', 'j2', 'acme');
    const byMoney = advanceMeter(
      paidByMoney,
      { kind: 'matched', nodes: [node({ gpuProduct: 'A100' })], expectedSeconds: 3600 },
      { fundsMicros: 10n ** 12n, holdMarginBps: 2000, credits: [{ ...holding }], now: T0 },
    );
    expect(paidByMoney.computeCreditId).toBeUndefined();
    expect(byMoney.flatMap((e) => ('postings' in e ? e.postings : [])).map((p) => p.account)).toEqual([
      Accounts.tenantAvailable('acme'),
      Accounts.tenantHeld('acme'),
    ]);
  });
});
