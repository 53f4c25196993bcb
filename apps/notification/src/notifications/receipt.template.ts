import { formatUsd } from '@remit/money';
import type { EventData } from '@remit/contracts';

/** The payment receipt email: subject and plain-text body, from the applied payment alone. */
export function renderReceipt(payment: EventData<'payment.applied'>): { subject: string; body: string } {
  const lines = payment.applications.map(
    (application) => `  Invoice ${application.invoiceNumber}: ${formatUsd(application.amountCents)}`,
  );
  if (payment.creditCents > 0) lines.push(`  Credit to your account: ${formatUsd(payment.creditCents)}`);
  return {
    subject: `Payment received: ${formatUsd(payment.amountCents)}`,
    body: [
      `Dear ${payment.customerName},`,
      '',
      `We received your payment of ${formatUsd(payment.amountCents)}, posted on ${payment.postingDate}.`,
      '',
      ...lines,
      '',
      `Payment reference: ${payment.paymentId}`,
    ].join('\n'),
  };
}
