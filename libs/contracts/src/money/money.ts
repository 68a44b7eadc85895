import { z } from 'zod';

/**
 * Money on the wire: an integer number of micro-units (10^-6) of the currency, as a decimal string.
 * A string, because ledger totals can pass 2^53 and JSON numbers would silently lose precision; micro-units,
 * because per-second GPU metering of a price per GPU-hour needs sub-cent precision.
 */
export const MicrosSchema = z
  .string()
  .regex(/^-?(0|[1-9]\d{0,30})$/, 'must be an integer number of micro-units written as a decimal string')
  .describe('Integer micro-units (1/1,000,000) of the currency, as a decimal string, e.g. "2500000" = 2.50');

/** ISO 4217 currency code. */
export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
  .describe('ISO 4217 currency code, e.g. USD');

/** An amount of money: currency plus integer micro-units. */
export const MoneySchema = z
  .strictObject({
    currency: CurrencySchema,
    micros: MicrosSchema,
  })
  .describe('An amount of money in integer micro-units of its currency');

export type Money = z.infer<typeof MoneySchema>;

/** Micro-units in one unit of a currency. */
export const MICROS_PER_UNIT = 1_000_000n;

/** Builds a {@link Money} from a bigint number of micro-units. */
export function money(currency: string, micros: bigint): Money {
  return { currency, micros: micros.toString() };
}

/** The micro-units of a {@link Money} as a bigint, for arithmetic that must not round. */
export function microsOf(amount: Money): bigint {
  return BigInt(amount.micros);
}

/**
 * The client's price per GPU-hour for a supplier ask: the ask plus the platform's take, rounded up to a whole
 * micro-unit (the platform never takes less than its rate; the difference is below a millionth of a unit).
 * Matching prices offers with it, billing prices compute credits.
 */
export function clientPriceMicros(askMicros: bigint, takeRateBps: number): bigint {
  if (!Number.isInteger(takeRateBps) || takeRateBps < 0)
    throw new Error(`take rate must be whole basis points ≥ 0, got ${takeRateBps}`);
  const numerator = askMicros * BigInt(10_000 + takeRateBps);
  return (numerator + 9_999n) / 10_000n;
}

/**
 * Money on the public API (Gridex's, and peers' through it) is a decimal string of US dollars (`"1.71"`), never a float; inside Gridex it is integer
 * micro-units. Six decimals at most (a micro-unit); amounts are written with at least two decimals and no
 * trailing zeros beyond them (`"2.30"`, `"0.000639"`).
 */
export const DECIMAL_AMOUNT = /^(0|[1-9]\d{0,12})(\.\d{1,6})?$/;

export function decimalToMicros(value: string): bigint {
  const match = DECIMAL_AMOUNT.exec(value);
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
