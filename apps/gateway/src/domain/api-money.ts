/**
 * Money in the public API is a decimal string of US dollars (`"1.71"`), never a float; inside Gridex it is integer
 * micro-units. Six decimals at most (a micro-unit); amounts are written with at least two decimals and no
 * trailing zeros beyond them (`"2.30"`, `"0.000639"`).
 */
const DECIMAL = /^(0|[1-9]\d{0,12})(\.\d{1,6})?$/;

export function decimalToMicros(value: string): bigint {
  const match = DECIMAL.exec(value);
  if (!match)
    throw new RangeError(`"${value}" is not an amount like "12.50" (at most 6 decimals, not negative)`);
  const fraction = (match[2] ?? '.').slice(1).padEnd(6, '0');
  return BigInt(match[1]) * 1_000_000n + BigInt(fraction);
}

export function microsToDecimal(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / 1_000_000n;
  let fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
