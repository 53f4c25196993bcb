import type { PaymentMethodType } from '@remit/contracts';
import type { PaymentEntity, PaymentStatus } from './payment.entity';
import type { PaymentStatusChangeEntity } from './payment-status-change.entity';

export interface PaymentView {
  paymentId: string;
  status: PaymentStatus;
  customerId: string;
  amountCents: number;
  currency: 'USD';
  method: { type: PaymentMethodType; last4?: string; paymentMethodId?: string };
  invoices: { invoiceId: string; amountCents: number }[];
  submittedAt: string;
  businessDate: string;
  expectedPostingDate: string;
  notice: string;
  statusHistory?: { status: PaymentStatus; at: string; reason?: string }[];
}

/** The public shape of a payment: last4 at most, never the account number. */
export function toPaymentView(payment: PaymentEntity, history?: PaymentStatusChangeEntity[]): PaymentView {
  return {
    paymentId: payment.paymentId,
    status: payment.status,
    customerId: payment.customerId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    method: {
      type: payment.methodType,
      ...(payment.last4 ? { last4: payment.last4 } : {}),
      ...(payment.paymentMethodId ? { paymentMethodId: payment.paymentMethodId } : {}),
    },
    invoices: payment.invoices,
    submittedAt: payment.submittedAt.toISOString(),
    businessDate: payment.businessDate,
    expectedPostingDate: payment.expectedPostingDate,
    notice: payment.notice,
    ...(history
      ? {
          statusHistory: history.map((change) => ({
            status: change.status,
            at: change.at.toISOString(),
            ...(change.reason ? { reason: change.reason } : {}),
          })),
        }
      : {}),
  };
}
