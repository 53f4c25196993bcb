import { renderReceipt } from './receipt.template';

describe(renderReceipt.name, () => {
  const payment = {
    paymentId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0001',
    customerId: 'corp-1',
    customerName: 'Corporate Account For Cloud Ser',
    customerEmail: 'ap@example.com',
    amountCents: 34618,
    applications: [
      { invoiceId: 'a', invoiceNumber: 'INV-1', amountCents: 30000 },
      { invoiceId: 'b', invoiceNumber: 'INV-2', amountCents: 4000 },
    ],
    creditCents: 618,
    postingDate: '2026-11-30',
  };

  it('states the amount, each invoice paid and the credit', () => {
    const receipt = renderReceipt(payment);
    expect(receipt.subject).toBe('Payment received: $346.18');
    expect(receipt.body).toContain('Invoice INV-1: $300.00');
    expect(receipt.body).toContain('Invoice INV-2: $40.00');
    expect(receipt.body).toContain('Credit to your account: $6.18');
    expect(receipt.body).toContain('posted on 2026-11-30');
  });

  it('mentions no credit when there is none', () => {
    expect(renderReceipt({ ...payment, creditCents: 0 }).body).not.toContain('Credit');
  });
});
