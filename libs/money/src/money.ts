import { assertCents, moneyError } from './cents';
import { formatUsd } from './usd-format';

/** docs/architecture.md, "Money and data": currency `USD`. A second currency would be added here, deliberately. */
export const CURRENCIES = ['USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** The plain shape of an amount, as it travels in events and API payloads. */
export interface MoneyValue {
  readonly amountCents: number;
  readonly currency: Currency;
}

function assertCurrency(value: unknown, field: string): Currency {
  if (!(CURRENCIES as readonly unknown[]).includes(value)) {
    throw moneyError('MONEY.UNSUPPORTED_CURRENCY', `${field} must be one of ${CURRENCIES.join(', ')}`, field);
  }
  return value as Currency;
}

/**
 * An immutable amount of integer cents in one currency. Every way in (`of`, `from`) and every result
 * (`add`, `subtract`) is checked, so a `Money` never holds a float, NaN, an unsafe integer, or an amount
 * combined across currencies (CONTRIBUTING.md, "Money": a small Money helper that refuses floats).
 * Structurally it is a `MoneyValue`, and JSON.stringify gives `{"amountCents":..,"currency":"USD"}`.
 */
export class Money implements MoneyValue {
  private constructor(
    readonly amountCents: number,
    readonly currency: Currency,
  ) {
    Object.freeze(this);
  }

  /** `Money.of(34618)` is $346.18. Throws MONEY.NOT_INTEGER_CENTS / MONEY.UNSAFE_INTEGER / MONEY.UNSUPPORTED_CURRENCY. */
  static of(amountCents: number, currency: Currency = 'USD'): Money {
    return new Money(assertCents(amountCents, 'amountCents'), assertCurrency(currency, 'currency'));
  }

  static zero(currency: Currency = 'USD'): Money {
    return Money.of(0, currency);
  }

  /** Validates a plain value decoded from JSON or a database row. */
  static from(value: MoneyValue): Money {
    return Money.of(value.amountCents, value.currency);
  }

  add(other: MoneyValue): Money {
    return Money.of(this.amountCents + this.sameCurrencyCents(other), this.currency);
  }

  subtract(other: MoneyValue): Money {
    return Money.of(this.amountCents - this.sameCurrencyCents(other), this.currency);
  }

  equals(other: MoneyValue): boolean {
    return this.currency === other.currency && this.amountCents === other.amountCents;
  }

  isZero(): boolean {
    return this.amountCents === 0;
  }

  isNegative(): boolean {
    return this.amountCents < 0;
  }

  toJSON(): MoneyValue {
    return { amountCents: this.amountCents, currency: this.currency };
  }

  /** "$346.18" (USD is the only currency, see CURRENCIES). */
  toString(): string {
    return formatUsd(this.amountCents);
  }

  private sameCurrencyCents(other: MoneyValue): number {
    // The type allows only USD, but values decoded from outside can carry anything: check at runtime.
    const otherCurrency: string = other.currency;
    const ownCurrency: string = this.currency;
    if (otherCurrency !== ownCurrency) {
      throw moneyError(
        'MONEY.CURRENCY_MISMATCH',
        `cannot combine ${ownCurrency} with ${otherCurrency}`,
        'currency',
      );
    }
    return assertCents(other.amountCents, 'amountCents');
  }
}
