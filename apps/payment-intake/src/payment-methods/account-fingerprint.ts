import { createHmac } from 'node:crypto';

/**
 * Keyed fingerprint (HMAC-SHA256) of a bank account (routing + account number): finds the same
 * account saved again by a customer without storing or comparing clear text. Its key is derived from
 * the idempotency HMAC key (never the data-encryption key, so a data-key rotation keeps matches),
 * under a label of its own so the two uses never produce comparable values.
 */
export class AccountFingerprint {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the fingerprint key must be at least 32 bytes');
    this.key = createHmac('sha256', secret).update('remit/payment-method-fingerprint/v1').digest();
  }

  of(customerId: string, routingNumber: string, accountNumber: string): string {
    return createHmac('sha256', this.key)
      .update(`${customerId}\u0000${routingNumber}\u0000${accountNumber}`)
      .digest('hex');
  }
}
