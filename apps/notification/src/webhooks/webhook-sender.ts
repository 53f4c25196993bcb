import { Injectable } from '@nestjs/common';
import { SIGNATURE_HEADER } from './webhook-signature';

/** How long one delivery may take before it counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Thrown when an endpoint does not answer 2xx. */
export class WebhookDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

function messageOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { message, code } = value as { message?: unknown; code?: unknown };
  if (typeof code === 'string' && typeof message === 'string' && !message.includes(code)) {
    return `${code} ${message}`;
  }
  return typeof message === 'string' ? message : undefined;
}

/**
 * Why fetch failed: its own message is only "fetch failed", the reason (ECONNREFUSED, a timeout, a
 * TLS error) is its cause. Read by shape, not `instanceof`: undici's errors may come from another realm.
 */
export function fetchFailure(error: unknown): string {
  const cause =
    typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  return messageOf(cause) ?? messageOf(error) ?? String(error);
}

/** POSTs a signed JSON body; a small injectable so that delivery is tested against a real HTTP receiver. */
@Injectable()
export class WebhookSender {
  async post(url: string, body: string, signature: string, deliveryId: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Remit-Webhooks/1',
          [SIGNATURE_HEADER]: signature,
          'Remit-Delivery-Id': deliveryId,
        },
        body,
        // A redirect could lead to an address the endpoint check never saw.
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (error) {
      throw new WebhookDeliveryError(`endpoint unreachable: ${fetchFailure(error)}`);
    }
    // The body is not read beyond what closes the connection: a receiver's answer is not ours to keep.
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) {
      throw new WebhookDeliveryError(`endpoint answered HTTP ${response.status}`);
    }
  }
}
