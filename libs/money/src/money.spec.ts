import { Money, type MoneyValue } from './money';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

/** A value as it could arrive from JSON: the compiler cannot see the wrong currency. */
const decoded = (value: unknown) => value as MoneyValue;

describe(Money.name, () => {
  it('holds integer cents in USD by default', () => {
    const money = Money.of(34618);
    expect(money.amountCents).toBe(34618);
    expect(money.currency).toBe('USD');
    expect(Object.isFrozen(money)).toBe(true);
  });

  it.each([
    ['a fraction of a cent', 0.5, 'MONEY.NOT_INTEGER_CENTS'],
    ['NaN', Number.NaN, 'MONEY.NOT_INTEGER_CENTS'],
    ['an unsafe integer', 2 ** 53, 'MONEY.UNSAFE_INTEGER'],
  ])('refuses %s', (_name, amountCents, code) => {
    expect(() => Money.of(amountCents)).toThrow(domainError(code, 'amountCents'));
  });

  it('refuses a currency other than USD', () => {
    expect(() => Money.from(decoded({ amountCents: 100, currency: 'EUR' }))).toThrow(
      domainError('MONEY.UNSUPPORTED_CURRENCY', 'currency'),
    );
  });

  it.each([
    ['add', 1000, 250, 1250],
    ['add', 1000, -250, 750],
    ['subtract', 1000, 250, 750],
    ['subtract', 250, 1000, -750],
    ['subtract', 250, 250, 0],
  ] as const)('%s(%d, %d) = %d', (operation, left, right, expected) => {
    const result = Money.of(left)[operation](Money.of(right));
    expect(result.toJSON()).toEqual({ amountCents: expected, currency: 'USD' });
  });

  it.each(['add', 'subtract'] as const)('%s refuses mixing currencies', (operation) => {
    expect(() => Money.of(100)[operation](decoded({ amountCents: 1, currency: 'EUR' }))).toThrow(
      domainError('MONEY.CURRENCY_MISMATCH', 'currency'),
    );
  });

  it.each(['add', 'subtract'] as const)('%s refuses a non-integer operand', (operation) => {
    expect(() => Money.of(100)[operation]({ amountCents: 0.1, currency: 'USD' })).toThrow(
      domainError('MONEY.NOT_INTEGER_CENTS', 'amountCents'),
    );
  });

  it('refuses a sum beyond the safe integer range', () => {
    expect(() => Money.of(Number.MAX_SAFE_INTEGER).add(Money.of(1))).toThrow(
      domainError('MONEY.UNSAFE_INTEGER'),
    );
  });

  it('does not change the operands', () => {
    const left = Money.of(100);
    left.add(Money.of(5));
    expect(left.amountCents).toBe(100);
  });

  it.each([
    [{ amountCents: 100, currency: 'USD' }, true],
    [{ amountCents: 101, currency: 'USD' }, false],
    [{ amountCents: 100, currency: 'EUR' }, false],
  ])('equals(%j) is %s for $1.00', (other, expected) => {
    expect(Money.of(100).equals(decoded(other))).toBe(expected);
  });

  it.each([
    [0, true, false],
    [1, false, false],
    [-1, false, true],
  ])('%d: isZero %s, isNegative %s', (cents, zero, negative) => {
    expect(Money.of(cents).isZero()).toBe(zero);
    expect(Money.of(cents).isNegative()).toBe(negative);
  });

  it('zero() is $0.00', () => {
    expect(Money.zero().toJSON()).toEqual({ amountCents: 0, currency: 'USD' });
  });

  it('serialises as a plain MoneyValue and prints as dollars', () => {
    expect(JSON.stringify(Money.of(-100))).toBe('{"amountCents":-100,"currency":"USD"}');
    expect(String(Money.of(34618))).toBe('$346.18');
  });
});
