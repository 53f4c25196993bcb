import { DomainError, isDomainError } from './domain-error';

describe(DomainError.name, () => {
  it('carries a stable code, a message and the offending field', () => {
    const error = new DomainError(
      'MONEY.NOT_INTEGER_CENTS',
      'amountCents must be integer cents',
      'amountCents',
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe('MONEY.NOT_INTEGER_CENTS');
    expect(error.message).toBe('amountCents must be integer cents');
    expect(error.field).toBe('amountCents');
  });

  it('leaves field undefined when the error is not about one input', () => {
    expect(new DomainError('MONEY.CURRENCY_MISMATCH', 'USD and EUR').field).toBeUndefined();
  });
});

describe(isDomainError.name, () => {
  it.each([
    ['a DomainError', new DomainError('X.Y', 'm'), true],
    ['a plain Error', new Error('m'), false],
    ['an error-shaped object', { code: 'X.Y', message: 'm', name: 'DomainError' }, false],
    ['undefined', undefined, false],
  ])('%s -> %s', (_name, value, expected) => {
    expect(isDomainError(value)).toBe(expected);
  });
});
