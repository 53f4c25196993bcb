import { createCloudEvent } from '@remit/contracts';
import { isWebhookEventType, webhookBody } from './webhook-events';

describe(webhookBody.name, () => {
  it('leaves out the ciphertext and routing of a submitted payment: only type and last4', () => {
    const event = createCloudEvent({
      type: 'payment.submitted',
      source: 'remit/test',
      customerId: 'corp-1',
      data: {
        paymentId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0001',
        customerId: 'corp-1',
        amountCents: 100,
        currency: 'USD',
        method: {
          type: 'ach',
          last4: '6789',
          bankAccount: { routingNumber: '021000021', accountNumberCiphertext: 'c2VhbGVk', keyId: 'dev-1' },
        },
        invoices: [{ invoiceId: 'inv-1' }],
        submittedAt: '2026-11-23T15:00:00Z',
        businessDate: '2026-11-23',
      },
    });
    const body = JSON.parse(webhookBody(event, 'delivery-1'));
    expect(body).toMatchObject({
      id: 'delivery-1',
      eventId: event.id,
      type: 'payment.submitted',
      customerId: 'corp-1',
    });
    expect(body.data.method).toEqual({ type: 'ach', last4: '6789' });
    expect(JSON.stringify(body)).not.toContain('c2VhbGVk');
    expect(JSON.stringify(body)).not.toContain('021000021');
  });
});

describe(isWebhookEventType.name, () => {
  it.each([
    ['payment.posted', true],
    ['fee.charged', true],
    ['customer.created', false],
    ['payment.anything', false],
  ])('%s → %s', (type, expected) => {
    expect(isWebhookEventType(type)).toBe(expected);
  });
});
