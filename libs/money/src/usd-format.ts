import { assertCents, moneyError } from './cents';

export interface ParseUsdOptions {
  /**
   * A negative amount is accepted only when the caller opts in AND the text carries an explicit leading
   * minus ("-$1.00", "-1.00"). Payments and invoice lines are never negative, so by default "-$5.00" is
   * refused rather than quietly turned into a refund. Accounting parentheses "($1.00)" are never accepted.
   */
  allowNegative?: boolean;
  /** The input's name in errors (default `amount`). */
  field?: string;
}

// Integer part: "0", digits without a leading zero, or digits grouped by commas in threes ("1,234,567").
// The fraction is captured with any length so that "1.234" is reported as too many decimals, not as
// a malformed amount.
const USD_PATTERN = /^(-?)(\$?)(0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)(?:\.(\d+))?$/;

/**
 * Parses a US dollar amount typed by a person or found in a file into integer cents, without floating
 * point: the digits are joined as text and converted once, so "$0.29" is exactly 29 (0.29 * 100 in
 * floating point is 28.999999999999996).
 *
 * Accepted: "346.18", "$346.18", "$1,234.50", "1234.5" (one decimal = tens of cents: 123450), "0.5" (50),
 * "12" (1200), surrounding spaces. Refused with MONEY.INVALID_AMOUNT_FORMAT: "", "$", ".5", "5.", "007",
 * "1,23", "1 234", "+1", "$-1", "USD 1", "1e3". Refused with MONEY.TOO_MANY_DECIMALS: "1.001", "1.000"
 * (a third decimal names a fraction of a cent, and "1.000" reads as one thousand in much of the world).
 * Negatives: see `ParseUsdOptions.allowNegative` (MONEY.NEGATIVE_AMOUNT when not allowed).
 * Beyond Number.MAX_SAFE_INTEGER cents: MONEY.UNSAFE_INTEGER.
 */
export function parseUsd(text: string, options: ParseUsdOptions = {}): number {
  const field = options.field ?? 'amount';
  const match = typeof text === 'string' ? USD_PATTERN.exec(text.trim()) : null;
  if (match === null) {
    throw moneyError(
      'MONEY.INVALID_AMOUNT_FORMAT',
      `${field} is not a US dollar amount such as $1,234.50`,
      field,
    );
  }
  const [, sign, , integerPart, fractionPart = ''] = match;
  if (fractionPart.length > 2) {
    throw moneyError('MONEY.TOO_MANY_DECIMALS', `${field} has more than two decimal places`, field);
  }
  if (sign === '-' && options.allowNegative !== true) {
    throw moneyError('MONEY.NEGATIVE_AMOUNT', `${field} must not be negative`, field);
  }
  const digits = integerPart.replace(/,/g, '') + fractionPart.padEnd(2, '0');
  const magnitude = Number(digits);
  if (!Number.isSafeInteger(magnitude)) {
    throw moneyError('MONEY.UNSAFE_INTEGER', `${field} is too large`, field);
  }
  return sign === '-' && magnitude !== 0 ? -magnitude : magnitude;
}

/**
 * Formats integer cents as US dollars: 34618 -> "$346.18", 123456789 -> "$1,234,567.89", 5 -> "$0.05",
 * -100 -> "-$1.00" (the minus before the dollar sign, as parseUsd reads it back). Refuses anything that is
 * not integer cents (assertCents), so a float never reaches a customer's receipt.
 */
export function formatUsd(amountCents: number): string {
  const cents = assertCents(amountCents);
  // Safe integers print in plain decimal (no exponent below 1e21), so the digits can be cut as text.
  const digits = String(Math.abs(cents)).padStart(3, '0');
  const dollars = digits.slice(0, -2).replace(/\B(?=(\d{3})+$)/g, ',');
  return `${cents < 0 ? '-' : ''}$${dollars}.${digits.slice(-2)}`;
}
