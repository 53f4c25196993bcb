import * as fees from '@remit/fees';
import { DomainError } from '@remit/money';

describe('@remit/fees', () => {
  it('exposes its public API through the path alias', () => {
    expect(Object.keys(fees).sort()).toEqual(
      [
        'BILLING_DELIVERIES',
        'defaultFeePolicy',
        'feePolicyFrom',
        'paperInvoiceFeeFor',
        'paperInvoiceFeeKey',
        'returnFeeFor',
        'returnFeeKey',
      ].sort(),
    );
  });

  it('raises the shared DomainError of @remit/money', () => {
    expect(() => fees.feePolicyFrom({ returnFee: { amountCents: 0 } })).toThrow(DomainError);
  });
});
