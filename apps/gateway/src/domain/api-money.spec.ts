import { decimalToMicros, microsToDecimal, toApiUnits } from './api-money';

describe('API money', () => {
  it.each<[string, bigint]>([
    ['500.00', 500_000_000n],
    ['1.71', 1_710_000n],
    ['0.000639', 639n],
    ['2', 2_000_000n],
    ['0', 0n],
  ])('"%s" is %s micro-units', (text, micros) => {
    expect(decimalToMicros(text)).toBe(micros);
  });

  it.each(['-1.00', '1.0000001', '1e3', '01.5', '', ' 1.00', '1,00'])('refuses "%s"', (text) => {
    expect(() => decimalToMicros(text)).toThrow(RangeError);
  });

  it.each<[bigint, string]>([
    [2_300_000n, '2.30'],
    [639n, '0.000639'],
    [500_000_000n, '500.00'],
    [0n, '0.00'],
    [-1_500_000n, '-1.50'],
    [1_234_567n, '1.234567'],
  ])('%s micro-units read "%s"', (micros, text) => {
    expect(microsToDecimal(micros)).toBe(text);
  });

  it.each<[string, unknown, unknown]>([
    ['a money object', { currency: 'USD', micros: '1710000' }, '1.71'],
    ['a …Micros field', { amountMicros: '639', jobId: 'j-1' }, { amount: '0.000639', jobId: 'j-1' }],
    ['a …Units field (tokens)', { earnedUnits: '12500000' }, { earned: '12.50' }],
    ['a numeric …Micros field', { unitPricePerGpuHourMicros: 2_300_000 }, { unitPricePerGpuHour: '2.30' }],
    [
      'nested objects and arrays',
      { items: [{ total: { currency: 'USD', micros: '-500000' } }], nextCursor: null },
      { items: [{ total: '-0.50' }], nextCursor: null },
    ],
    ['a field only named like a suffix', { Units: '5', micros: '7' }, { Units: '5', micros: '7' }],
    ['a …Units field that is not an integer', { gpuUnits: 'many' }, { gpuUnits: 'many' }],
    [
      'a money-like object with more fields',
      { currency: 'USD', micros: '1', note: 'x' },
      { currency: 'USD', micros: '1', note: 'x' },
    ],
    ['plain values', 'text', 'text'],
    [
      'token fields with unclear plain names',
      { units: '1000000', tokenUnits: '5' },
      { amount: '1.00', tokens: '0.000005' },
    ],
  ])('writes %s in API units', (_case, internal, api) => {
    expect(toApiUnits(internal)).toEqual(api);
  });
});
