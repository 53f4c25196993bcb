import { defaultFeePolicy, feePolicyFrom, type FeePolicyOverrides } from './fee-policy';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe('defaultFeePolicy', () => {
  it('charges $25.00 per return and $10.00 per paper invoice (docs/architecture.md)', () => {
    expect(defaultFeePolicy).toEqual({
      returnFee: { amountCents: 2500, description: 'Return Fee' },
      paperInvoiceFee: { amountCents: 1000, description: 'Paper Invoice Fee' },
    });
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(defaultFeePolicy)).toBe(true);
    expect(Object.isFrozen(defaultFeePolicy.returnFee)).toBe(true);
    expect(Object.isFrozen(defaultFeePolicy.paperInvoiceFee)).toBe(true);
  });
});

describe(feePolicyFrom.name, () => {
  it('without overrides is the default policy', () => {
    expect(feePolicyFrom()).toEqual(defaultFeePolicy);
    expect(feePolicyFrom({})).toEqual(defaultFeePolicy);
  });

  it.each<[string, FeePolicyOverrides, object]>([
    [
      'the return fee amount only',
      { returnFee: { amountCents: 3000 } },
      {
        returnFee: { amountCents: 3000, description: 'Return Fee' },
        paperInvoiceFee: defaultFeePolicy.paperInvoiceFee,
      },
    ],
    [
      'the paper fee description only (trimmed)',
      { paperInvoiceFee: { description: '  Paper Statement Fee ' } },
      {
        returnFee: defaultFeePolicy.returnFee,
        paperInvoiceFee: { amountCents: 1000, description: 'Paper Statement Fee' },
      },
    ],
    [
      'both fees',
      {
        returnFee: { amountCents: 1, description: 'NSF' },
        paperInvoiceFee: { amountCents: 250, description: 'Paper' },
      },
      {
        returnFee: { amountCents: 1, description: 'NSF' },
        paperInvoiceFee: { amountCents: 250, description: 'Paper' },
      },
    ],
  ])('overrides %s', (_name, overrides, expected) => {
    const policy = feePolicyFrom(overrides);
    expect(policy).toEqual(expected);
    expect(Object.isFrozen(policy.returnFee)).toBe(true);
  });

  it.each<[string, unknown, string, string]>([
    ['a zero amount', { returnFee: { amountCents: 0 } }, 'FEES.INVALID_AMOUNT', 'returnFee.amountCents'],
    [
      'a negative amount',
      { paperInvoiceFee: { amountCents: -1000 } },
      'FEES.INVALID_AMOUNT',
      'paperInvoiceFee.amountCents',
    ],
    [
      'dollars as a float',
      { returnFee: { amountCents: 25.5 } },
      'FEES.INVALID_AMOUNT',
      'returnFee.amountCents',
    ],
    ['NaN', { returnFee: { amountCents: Number.NaN } }, 'FEES.INVALID_AMOUNT', 'returnFee.amountCents'],
    [
      'an unsafe integer',
      { returnFee: { amountCents: 2 ** 53 } },
      'FEES.INVALID_AMOUNT',
      'returnFee.amountCents',
    ],
    [
      'an amount as text',
      { returnFee: { amountCents: '2500' } },
      'FEES.INVALID_AMOUNT',
      'returnFee.amountCents',
    ],
    [
      'an empty description',
      { returnFee: { description: '' } },
      'FEES.INVALID_DESCRIPTION',
      'returnFee.description',
    ],
    [
      'a blank description',
      { paperInvoiceFee: { description: '   ' } },
      'FEES.INVALID_DESCRIPTION',
      'paperInvoiceFee.description',
    ],
    [
      'a description that is not text',
      { paperInvoiceFee: { description: 42 } },
      'FEES.INVALID_DESCRIPTION',
      'paperInvoiceFee.description',
    ],
    ['a misspelt fee', { retrunFee: { amountCents: 3000 } }, 'FEES.UNKNOWN_FEE', 'retrunFee'],
  ])('refuses %s', (_name, overrides, code, field) => {
    expect(() => feePolicyFrom(overrides as FeePolicyOverrides)).toThrow(domainError(code, field));
  });
});
