import { DomainError } from './domain-error';

/**
 * Amounts are integer cents (docs/architecture.md, "Money and data": "Amounts are integer cents ... No floats
 * anywhere"). A JavaScript number holds them exactly only while it is a safe integer (|n| <= 2^53 - 1,
 * about $90 trillion), so every amount entering the domain goes through `assertCents`.
 */
export type MoneyErrorCode =
  /** Not a number, NaN, ±Infinity or a fraction of a cent (e.g. 12.5, or dollars passed as 0.1). */
  | 'MONEY.NOT_INTEGER_CENTS'
  /** An integer beyond Number.MAX_SAFE_INTEGER: arithmetic on it would silently round. */
  | 'MONEY.UNSAFE_INTEGER'
  /** A negative amount where only zero or more makes sense (a payment, an amount due). */
  | 'MONEY.NEGATIVE_AMOUNT'
  /** Text that is not a US dollar amount parseUsd accepts. */
  | 'MONEY.INVALID_AMOUNT_FORMAT'
  /** Text with more than two decimal places: it names a fraction of a cent. */
  | 'MONEY.TOO_MANY_DECIMALS'
  /** A currency other than USD (docs/architecture.md: currency `USD`). */
  | 'MONEY.UNSUPPORTED_CURRENCY'
  /** Money of two different currencies combined. */
  | 'MONEY.CURRENCY_MISMATCH';

export function moneyError(code: MoneyErrorCode, message: string, field?: string): DomainError {
  return new DomainError(code, message, field);
}

function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/**
 * Returns `value` if it is a safe integer number of cents (negative allowed: a refund or a balance may be
 * negative); otherwise throws MONEY.NOT_INTEGER_CENTS or MONEY.UNSAFE_INTEGER with `field`.
 * Takes `unknown` so it can guard values decoded from JSON or a database driver.
 */
export function assertCents(value: unknown, field = 'amountCents'): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw moneyError(
      'MONEY.NOT_INTEGER_CENTS',
      `${field} must be an integer number of cents, got ${describeValue(value)}`,
      field,
    );
  }
  if (!Number.isSafeInteger(value)) {
    throw moneyError('MONEY.UNSAFE_INTEGER', `${field} is beyond the safe integer range: ${value}`, field);
  }
  // -0 is an integer but would print as "-$0.00" in some paths and compare oddly with Object.is.
  return value === 0 ? 0 : value;
}

/** `assertCents`, and refuses a negative amount with MONEY.NEGATIVE_AMOUNT. */
export function assertNonNegativeCents(value: unknown, field = 'amountCents'): number {
  const cents = assertCents(value, field);
  if (cents < 0) {
    throw moneyError('MONEY.NEGATIVE_AMOUNT', `${field} must not be negative, got ${cents}`, field);
  }
  return cents;
}

/**
 * Sum of integer cents. Each value is checked (`<field>[i]`), and so is every partial sum, so an
 * overflow past 2^53 is an error instead of a silently rounded total.
 */
export function sumCents(values: readonly number[], field = 'values'): number {
  let total = 0;
  values.forEach((value, index) => {
    total += assertCents(value, `${field}[${index}]`);
    if (!Number.isSafeInteger(total)) {
      throw moneyError('MONEY.UNSAFE_INTEGER', `the sum of ${field} is beyond the safe integer range`, field);
    }
  });
  return total === 0 ? 0 : total;
}
