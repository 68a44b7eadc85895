import { z } from 'zod';
import { DECIMAL_AMOUNT, decimalToMicros, microsToDecimal } from '@gridex/contracts';

export { DECIMAL_AMOUNT, decimalToMicros, microsToDecimal };

/** A decimal amount in a request: USD (`"2.50"`) or tokens (`"1000"`), at most six decimals, not negative. */
export function decimalAmountSchema(unit: 'USD' | 'tokens', example: string) {
  return (
    z
      .string()
      .max(24)
      // Aborting: refinements after it (a minimum, a comparison with another amount) convert the value and must
      // never see one that is not an amount.
      .regex(DECIMAL_AMOUNT, {
        message: `must be a decimal amount of ${unit} such as "${example}"`,
        abort: true,
      })
      .describe(`${unit} as a decimal string, e.g. "${example}"`)
  );
}

const SUFFIXES = ['Micros', 'Units'] as const;
/** Integer fields whose plain name would be unclear once the suffix is gone. */
const RENAMED: Record<string, string> = { units: 'amount', tokenUnits: 'tokens' };

/**
 * An internal service's answer in the public API's units. The services speak integer micro-units: money as
 * `{ currency, micros }` objects or `…Micros` fields, tokens as `…Units` fields (10⁶ base units per token). The
 * API speaks decimal strings: a money object becomes `"1.71"` (USD, the platform currency), and `amountMicros`
 * becomes `amount: "1.71"`, `earnedUnits` becomes `earned: "12.50"` (tokens; `units` becomes `amount` and `tokenUnits`
 * `tokens`). Everything else passes unchanged.
 */
export function toApiUnits(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toApiUnits);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (isMoney(value)) return microsToDecimal(BigInt(value.micros));
  return Object.fromEntries(
    entries.map(([key, field]) => {
      const suffix = SUFFIXES.find((s) => key.endsWith(s) && key.length > s.length);
      if ((suffix || key in RENAMED) && isInteger(field)) {
        return [RENAMED[key] ?? key.slice(0, -(suffix ?? '').length), microsToDecimal(BigInt(field))];
      }
      return [key, toApiUnits(field)];
    }),
  );
}

function isMoney(value: object): value is { currency: string; micros: string } {
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    typeof (value as { currency?: unknown }).currency === 'string' &&
    isInteger((value as { micros?: unknown }).micros)
  );
}

function isInteger(value: unknown): value is string | number {
  return (
    (typeof value === 'string' && /^-?\d{1,30}$/.test(value)) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}
