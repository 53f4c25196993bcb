import type { AnyCloudEvent, EventType } from '@remit/contracts';

/** The event types a webhook endpoint may subscribe to: every payment event notification consumes. */
export const WEBHOOK_EVENT_TYPES = [
  'payment.submitted',
  'payment.scheduled',
  'payment.posted',
  'payment.applied',
  'payment.returned',
  'payment.failed',
  'fee.charged',
  'fee.waived',
  'autopay.upcoming',
  'autopay.failed',
  'payment-method.disabled',
] as const satisfies readonly EventType[];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * The body of a delivery: the event as a customer may see it. `payment.submitted` leaves out how
 * settlement moves the money (the account number's ciphertext, a card token): only type and last4.
 */
export function webhookBody(event: AnyCloudEvent, deliveryId: string): string {
  const data =
    event.type === 'payment.submitted'
      ? {
          ...event.data,
          method: {
            type: event.data.method.type,
            ...(event.data.method.last4 ? { last4: event.data.method.last4 } : {}),
          },
        }
      : event.data;
  return JSON.stringify({
    id: deliveryId,
    eventId: event.id,
    type: event.type,
    time: event.time,
    customerId: event.customerid,
    data,
  });
}
