import { feePolicyFrom } from './fee-policy';
import { returnFeeFor, returnFeeKey, type ExistingFee } from './return-fee';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

const payment = { paymentId: 'pay-1', amountCents: 34618 };

describe(returnFeeKey.name, () => {
  it('is return-fee:<paymentId>', () => {
    expect(returnFeeKey('pay-1')).toBe('return-fee:pay-1');
  });

  it.each(['', '  '])('refuses the payment id %j', (paymentId) => {
    expect(() => returnFeeKey(paymentId)).toThrow(domainError('FEES.INVALID_ID', 'paymentId'));
  });
});

describe(returnFeeFor.name, () => {
  it('charges the $25.00 Return Fee for a returned payment', () => {
    expect(returnFeeFor(payment, [])).toEqual({
      kind: 'return',
      key: 'return-fee:pay-1',
      paymentId: 'pay-1',
      amountCents: 2500,
      description: 'Return Fee',
    });
  });

  it.each<[string, ExistingFee[]]>([
    ['no fees at all', []],
    ['a return fee for another payment', [{ kind: 'return', paymentId: 'pay-2' }]],
    ['a paper fee', [{ kind: 'paper_invoice' }]],
    ['another kind of fee naming the same payment', [{ kind: 'late', paymentId: 'pay-1' }]],
    ['the key of another payment', [{ kind: 'return', key: 'return-fee:pay-10' }]],
  ])('charges when there is %s', (_name, existingFees) => {
    expect(returnFeeFor(payment, existingFees)?.key).toBe('return-fee:pay-1');
  });

  it.each<[string, ExistingFee[]]>([
    ['a return fee for this payment', [{ kind: 'return', paymentId: 'pay-1' }]],
    [
      'one among other fees',
      [
        { kind: 'paper_invoice' },
        { kind: 'return', paymentId: 'pay-2' },
        { kind: 'return', paymentId: 'pay-1' },
      ],
    ],
    ['a fee carrying this payment’s return-fee key', [{ kind: 'return', key: 'return-fee:pay-1' }]],
  ])('charges nothing when there is already %s (at most one per returned payment)', (_name, existingFees) => {
    expect(returnFeeFor(payment, existingFees)).toBeNull();
  });

  it('uses the configured policy', () => {
    const policy = feePolicyFrom({ returnFee: { amountCents: 3500, description: 'Returned Payment Fee' } });
    expect(returnFeeFor(payment, [], policy)).toMatchObject({
      amountCents: 3500,
      description: 'Returned Payment Fee',
    });
  });

  it('does not depend on the payment amount', () => {
    expect(returnFeeFor({ paymentId: 'p', amountCents: 1 }, [])?.amountCents).toBe(2500);
    expect(returnFeeFor({ paymentId: 'p', amountCents: 100_000_00 }, [])?.amountCents).toBe(2500);
  });

  it.each([
    ['an empty payment id', { paymentId: '', amountCents: 100 }, 'FEES.INVALID_ID', 'paymentId'],
    [
      'a payment amount that is not integer cents',
      { paymentId: 'p', amountCents: 1.5 },
      'MONEY.NOT_INTEGER_CENTS',
      'amountCents',
    ],
  ])('refuses %s', (_name, returned, code, field) => {
    expect(() => returnFeeFor(returned, [])).toThrow(domainError(code, field));
  });
});
