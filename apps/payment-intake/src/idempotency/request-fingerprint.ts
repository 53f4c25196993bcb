import { createHmac } from 'node:crypto';

/** Sorted-key JSON, so that the same request always has the same fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Keyed fingerprint (HMAC-SHA256) of a request: tells "same request" from "other request" without
 * storing what it carried (account numbers included). Its key is its own (IDEMPOTENCY_HMAC_KEY), not
 * the data-encryption key, so that rotating the data key never turns a legitimate retry into a 422.
 */
export class RequestFingerprint {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the fingerprint key must be at least 32 bytes');
  }

  of(request: unknown): string {
    return createHmac('sha256', this.key).update(canonicalJson(request)).digest('hex');
  }
}
