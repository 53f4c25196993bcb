import { DomainError } from '@remit/money';
import { assertId, type Fee } from './fee';
import { defaultFeePolicy, type FeePolicy } from './fee-policy';

export const BILLING_DELIVERIES = ['email', 'paper'] as const;
export type BillingDelivery = (typeof BILLING_DELIVERIES)[number];

export interface PaperInvoiceFee extends Fee {
  readonly kind: 'paper_invoice';
  readonly invoiceId: string;
}

export interface BilledInvoice {
  readonly invoiceId: string;
  /** The customer's `billingDelivery` (docs/architecture.md, `POST /v1/customers`). */
  readonly billingDelivery: BillingDelivery;
}

/** The idempotency key of the paper fee of one invoice: one fee per paper invoice, however often retried. */
export function paperInvoiceFeeKey(invoiceId: string): string {
  return `paper-fee:${assertId(invoiceId, 'invoiceId')}`;
}

/**
 * The Paper Invoice Fee for an invoice (docs/architecture.md: "An account that receives paper bills is charged a
 * Paper Invoice Fee of $10.00 on each paper invoice"), or null for an invoice delivered by email.
 * A delivery other than `email` / `paper` is FEES.INVALID_BILLING_DELIVERY rather than a silent "no fee".
 */
export function paperInvoiceFeeFor(
  invoice: BilledInvoice,
  policy: FeePolicy = defaultFeePolicy,
): PaperInvoiceFee | null {
  const invoiceId = assertId(invoice.invoiceId, 'invoiceId');
  switch (invoice.billingDelivery) {
    case 'email':
      return null;
    case 'paper':
      return {
        kind: 'paper_invoice',
        key: paperInvoiceFeeKey(invoiceId),
        invoiceId,
        amountCents: policy.paperInvoiceFee.amountCents,
        description: policy.paperInvoiceFee.description,
      };
    default:
      throw new DomainError(
        'FEES.INVALID_BILLING_DELIVERY',
        `billingDelivery must be one of ${BILLING_DELIVERIES.join(', ')}`,
        'billingDelivery',
      );
  }
}
