import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { REMIT_CONFIG, requirePaymentDataKey, type DataKey, type RemitConfig } from '../config/remit-config';

/**
 * Bank account numbers at rest: AES-256-GCM with a random 96-bit IV; the key id is stored beside the
 * ciphertext so keys can rotate (docs/architecture.md, "Money and data"). Format:
 * base64(iv).base64(tag).base64(data). Each ciphertext is bound to what it belongs to (the payment or
 * payment method id) as additional authenticated data: copied onto another row, it no longer decrypts.
 */
export class AccountNumberCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly active: DataKey,
    previous: DataKey[] = [],
  ) {
    for (const candidate of [active, ...previous]) {
      if (candidate.key.length !== 32) throw new Error(`data key ${candidate.keyId} must be 32 bytes`);
    }
    this.keys = new Map([active, ...previous].map((candidate) => [candidate.keyId, candidate.key]));
  }

  /** `boundTo`: the id of the payment or payment method the account number belongs to. */
  encrypt(accountNumber: string, boundTo: string): { ciphertext: string; keyId: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const data = Buffer.concat([cipher.update(accountNumber, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return {
      ciphertext: [iv, tag, data].map((part) => part.toString('base64')).join('.'),
      keyId: this.active.keyId,
    };
  }

  decrypt(ciphertext: string, keyId: string, boundTo: string): string {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`unknown data key ${keyId}`);
    const [iv, tag, data] = ciphertext.split('.').map((part) => Buffer.from(part, 'base64'));
    if (!iv || !tag || !data) throw new Error('malformed ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  }
}

/** The cipher of `PAYMENT_DATA_KEY` (and the previous keys it may still have to read), as a Nest provider. */
export const accountNumberCipherProvider = {
  provide: AccountNumberCipher,
  inject: [REMIT_CONFIG],
  useFactory: (config: RemitConfig): AccountNumberCipher =>
    new AccountNumberCipher(requirePaymentDataKey(config), config.previousPaymentDataKeys),
};
