import { feePolicyFrom } from './fee-policy';
import { paperInvoiceFeeFor, paperInvoiceFeeKey, type BillingDelivery } from './paper-invoice-fee';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe(paperInvoiceFeeKey.name, () => {
  it('is paper-fee:<invoiceId>', () => {
    expect(paperInvoiceFeeKey('inv-7')).toBe('paper-fee:inv-7');
  });

  it('refuses an empty invoice id', () => {
    expect(() => paperInvoiceFeeKey('')).toThrow(domainError('FEES.INVALID_ID', 'invoiceId'));
  });
});

describe(paperInvoiceFeeFor.name, () => {
  it.each<[BillingDelivery, object | null]>([
    [
      'paper',
      {
        kind: 'paper_invoice',
        key: 'paper-fee:inv-7',
        invoiceId: 'inv-7',
        amountCents: 1000,
        description: 'Paper Invoice Fee',
      },
    ],
    ['email', null],
  ])('billingDelivery %s -> %j', (billingDelivery, expected) => {
    expect(paperInvoiceFeeFor({ invoiceId: 'inv-7', billingDelivery })).toEqual(expected);
  });

  it('uses the configured policy', () => {
    const policy = feePolicyFrom({ paperInvoiceFee: { amountCents: 500 } });
    expect(paperInvoiceFeeFor({ invoiceId: 'inv-7', billingDelivery: 'paper' }, policy)?.amountCents).toBe(
      500,
    );
  });

  it.each(['Paper', 'fax', '', undefined])('refuses the billing delivery %j', (billingDelivery) => {
    expect(() =>
      paperInvoiceFeeFor({ invoiceId: 'inv-7', billingDelivery: billingDelivery as BillingDelivery }),
    ).toThrow(domainError('FEES.INVALID_BILLING_DELIVERY', 'billingDelivery'));
  });

  it('refuses an empty invoice id, even for email delivery', () => {
    expect(() => paperInvoiceFeeFor({ invoiceId: ' ', billingDelivery: 'email' })).toThrow(
      domainError('FEES.INVALID_ID', 'invoiceId'),
    );
  });
});
