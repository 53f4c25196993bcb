import fc from 'fast-check';
import { formatUsd, parseUsd } from './usd-format';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe(parseUsd.name, () => {
  it.each([
    ['$346.18', 34618],
    ['346.18', 34618],
    ['$1,234.50', 123450],
    ['1,234.50', 123450],
    ['$1,234,567.89', 123456789],
    ['1234.5', 123450],
    ['0.5', 50],
    ['0.05', 5],
    ['$0.29', 29],
    ['12', 1200],
    ['$12', 1200],
    ['0', 0],
    ['$0.00', 0],
    ['  $25.00 ', 2500],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('%s -> %d cents', (text, expected) => {
    expect(parseUsd(text)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['only a dollar sign', '$'],
    ['no integer digit', '.5'],
    ['a trailing dot', '5.'],
    ['leading zeros', '007'],
    ['a misplaced comma', '1,23'],
    ['a comma group of four', '1,2345'],
    ['a comma after a leading zero', '0,123'],
    ['a space inside', '1 234'],
    ['an explicit plus', '+1.00'],
    ['a minus after the dollar sign', '$-1.00'],
    ['accounting parentheses', '($1.00)'],
    ['a currency code', 'USD 1.00'],
    ['exponent notation', '1e3'],
    ['letters', 'twelve'],
    ['two dollar signs', '$$1'],
  ])('refuses %s (%j) with MONEY.INVALID_AMOUNT_FORMAT', (_name, text) => {
    expect(() => parseUsd(text, { field: 'amount' })).toThrow(
      domainError('MONEY.INVALID_AMOUNT_FORMAT', 'amount'),
    );
  });

  it('refuses a value that is not a string (decoded JSON)', () => {
    expect(() => parseUsd(12 as unknown as string)).toThrow(
      domainError('MONEY.INVALID_AMOUNT_FORMAT', 'amount'),
    );
  });

  it.each(['1.001', '1.000', '$0.125'])(
    'refuses %s: more than two decimals is a fraction of a cent',
    (text) => {
      expect(() => parseUsd(text, { field: 'paymentAmount' })).toThrow(
        domainError('MONEY.TOO_MANY_DECIMALS', 'paymentAmount'),
      );
    },
  );

  it.each(['-$1.00', '-1.00', '-0.01'])('refuses negative %s unless allowed', (text) => {
    expect(() => parseUsd(text)).toThrow(domainError('MONEY.NEGATIVE_AMOUNT', 'amount'));
  });

  it.each([
    ['-$1.00', -100],
    ['-1.00', -100],
    ['-$1,234.56', -123456],
    ['-0.00', 0],
    ['$5.00', 500],
  ])('with allowNegative reads %s as %d', (text, expected) => {
    expect(Object.is(parseUsd(text, { allowNegative: true }), expected)).toBe(true);
  });

  it('refuses amounts beyond the safe integer range of cents', () => {
    expect(() => parseUsd('90071992547409.92')).toThrow(domainError('MONEY.UNSAFE_INTEGER', 'amount'));
    expect(() => parseUsd('$100,000,000,000,000,000.00')).toThrow(domainError('MONEY.UNSAFE_INTEGER'));
  });
});

describe(formatUsd.name, () => {
  it.each([
    [34618, '$346.18'],
    [0, '$0.00'],
    [-0, '$0.00'],
    [5, '$0.05'],
    [50, '$0.50'],
    [100, '$1.00'],
    [2500, '$25.00'],
    [99999, '$999.99'],
    [100000, '$1,000.00'],
    [123456789, '$1,234,567.89'],
    [-100, '-$1.00'],
    [-5, '-$0.05'],
    [-123456, '-$1,234.56'],
    [Number.MAX_SAFE_INTEGER, '$90,071,992,547,409.91'],
  ])('%d -> %s', (cents, expected) => {
    expect(formatUsd(cents)).toBe(expected);
  });

  it.each([
    [0.5, 'MONEY.NOT_INTEGER_CENTS'],
    [346.18, 'MONEY.NOT_INTEGER_CENTS'],
    [Number.NaN, 'MONEY.NOT_INTEGER_CENTS'],
    [2 ** 53, 'MONEY.UNSAFE_INTEGER'],
  ])('refuses %d with %s', (value, code) => {
    expect(() => formatUsd(value)).toThrow(domainError(code));
  });

  it('round-trips through parseUsd for every safe amount of cents', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (cents) => {
        expect(parseUsd(formatUsd(cents), { allowNegative: true })).toBe(cents === 0 ? 0 : cents);
      }),
    );
  });
});
