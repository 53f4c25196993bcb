import { assertCents, assertNonNegativeCents, sumCents } from './cents';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe(assertCents.name, () => {
  it.each([
    ['zero', 0, 0],
    ['negative zero becomes zero', -0, 0],
    ['a positive amount', 34618, 34618],
    ['a negative amount (refund, balance)', -100, -100],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['the smallest safe integer', -Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
  ])('accepts %s', (_name, value, expected) => {
    expect(Object.is(assertCents(value), expected)).toBe(true);
  });

  it.each([
    ['a fraction of a cent', 12.5, 'MONEY.NOT_INTEGER_CENTS'],
    ['dollars as a float', 0.1, 'MONEY.NOT_INTEGER_CENTS'],
    ['NaN', Number.NaN, 'MONEY.NOT_INTEGER_CENTS'],
    ['Infinity', Number.POSITIVE_INFINITY, 'MONEY.NOT_INTEGER_CENTS'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'MONEY.NOT_INTEGER_CENTS'],
    ['a numeric string', '100', 'MONEY.NOT_INTEGER_CENTS'],
    ['a bigint', BigInt(100), 'MONEY.NOT_INTEGER_CENTS'],
    ['null', null, 'MONEY.NOT_INTEGER_CENTS'],
    ['undefined', undefined, 'MONEY.NOT_INTEGER_CENTS'],
    ['2^53', 2 ** 53, 'MONEY.UNSAFE_INTEGER'],
    ['-(2^53)', -(2 ** 53), 'MONEY.UNSAFE_INTEGER'],
    ['1e300', 1e300, 'MONEY.UNSAFE_INTEGER'],
  ])('refuses %s with %s', (_name, value, code) => {
    expect(() => assertCents(value, 'invoices[0].amountDueCents')).toThrow(
      domainError(code, 'invoices[0].amountDueCents'),
    );
  });

  it('names amountCents when no field is given', () => {
    expect(() => assertCents(1.5)).toThrow(domainError('MONEY.NOT_INTEGER_CENTS', 'amountCents'));
  });

  it('says what it got without echoing non-numbers', () => {
    expect(() => assertCents(1.5)).toThrow('amountCents must be an integer number of cents, got 1.5');
    expect(() => assertCents('secret')).toThrow('amountCents must be an integer number of cents, got string');
  });
});

describe(assertNonNegativeCents.name, () => {
  it.each([0, 1, 2500])('accepts %d', (value) => {
    expect(assertNonNegativeCents(value)).toBe(value);
  });

  it('refuses a negative amount with MONEY.NEGATIVE_AMOUNT', () => {
    expect(() => assertNonNegativeCents(-1, 'paymentCents')).toThrow(
      domainError('MONEY.NEGATIVE_AMOUNT', 'paymentCents'),
    );
  });

  it('still refuses fractions first', () => {
    expect(() => assertNonNegativeCents(-0.5)).toThrow(domainError('MONEY.NOT_INTEGER_CENTS'));
  });
});

describe(sumCents.name, () => {
  it.each([
    ['nothing', [], 0],
    ['one value', [34618], 34618],
    ['several values', [100, 250, 1], 351],
    ['values with negatives', [1000, -250], 750],
    ['values cancelling to zero', [-5, 5], 0],
  ])('sums %s', (_name, values, expected) => {
    expect(sumCents(values)).toBe(expected);
  });

  it('names the element that is not integer cents', () => {
    expect(() => sumCents([100, 0.5, 3], 'lines')).toThrow(
      domainError('MONEY.NOT_INTEGER_CENTS', 'lines[1]'),
    );
  });

  it('refuses a total that overflows the safe integer range', () => {
    expect(() => sumCents([Number.MAX_SAFE_INTEGER, 1])).toThrow(
      domainError('MONEY.UNSAFE_INTEGER', 'values'),
    );
  });
});
