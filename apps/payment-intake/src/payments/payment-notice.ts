import type { PaymentMethodType } from '@remit/contracts';
import { defaultFeePolicy } from '@remit/fees';
import { formatUsd } from '@remit/money';

/** Where and how a check or wire reaches the platform (configuration: CHECK_REMIT_ADDRESS, WIRE_*). */
export interface NoticeSettings {
  checkRemitAddress: string;
  wireInstructions: {
    beneficiaryName: string;
    bankName: string;
    routingNumber: string;
    accountNumber: string;
  };
}

const RETURN_FEE = `Any returned payment is subject to a Return Fee of ${formatUsd(defaultFeePolicy.returnFee.amountCents)}.`;

/**
 * The notice a 201 carries for each method, in the words of the portal's "How to make a payment"
 * page (docs/architecture.md, "What the platform does"): ACH and wire up to 2 business days, check
 * up to 5 (mailed to the remit address), card when the processor approves it.
 */
export function paymentNotice(
  method: PaymentMethodType,
  settings: NoticeSettings,
  paymentId: string,
): string {
  switch (method) {
    case 'ach':
    case 'saved':
      return `Please allow up to 2 business days for payments to be reflected in your account. ${RETURN_FEE}`;
    case 'card':
      return 'Card payments are reflected in your account when the card processor approves them (the same business day).';
    case 'check':
      return `Mail the check to: ${settings.checkRemitAddress}. Write payment ${paymentId} on the check. Please allow up to 5 business days for payments to be reflected in your account. ${RETURN_FEE}`;
    case 'wire': {
      const wire = settings.wireInstructions;
      return `Wire the payment to ${wire.beneficiaryName}, ${wire.bankName}, routing number ${wire.routingNumber}, account ${wire.accountNumber}, with payment ${paymentId} as the reference. Please allow up to 2 business days for payments to be reflected in your account.`;
    }
  }
}
