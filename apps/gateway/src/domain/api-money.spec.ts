import { decimalToMicros, microsToDecimal } from './api-money';

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
});
