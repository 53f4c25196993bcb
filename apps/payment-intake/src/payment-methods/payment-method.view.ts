import type { PaymentMethodEntity, PaymentMethodStatus } from './payment-method.entity';

/** What leaves the service of a saved method: never the account number, only its last 4 digits. */
export interface PaymentMethodView {
  paymentMethodId: string;
  routingNumber: string;
  last4: string;
  accountHolderName: string | null;
  status: PaymentMethodStatus;
  createdAt: string;
  disabledAt?: string;
  disabledReason?: string;
}

export function toPaymentMethodView(method: PaymentMethodEntity): PaymentMethodView {
  return {
    paymentMethodId: method.paymentMethodId,
    routingNumber: method.routingNumber,
    last4: method.last4,
    accountHolderName: method.accountHolderName,
    status: method.status,
    createdAt: method.createdAt.toISOString(),
    ...(method.disabledAt ? { disabledAt: method.disabledAt.toISOString() } : {}),
    ...(method.disabledReason ? { disabledReason: method.disabledReason } : {}),
  };
}
