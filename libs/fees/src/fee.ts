import { DomainError } from '@remit/money';

export type FeeKind = 'return' | 'paper_invoice';

/** A fee to charge: what, how much, and the key that makes charging it idempotent. */
export interface Fee {
  readonly kind: FeeKind;
  /**
   * Unique per fee occurrence (`return-fee:<paymentId>`, `paper-fee:<invoiceId>`). The invoice service
   * stores it under a unique constraint, so a retried job or a redelivered event cannot charge twice.
   */
  readonly key: string;
  readonly amountCents: number;
  readonly description: string;
}

export function assertId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new DomainError('FEES.INVALID_ID', `${field} must be a non-empty string`, field);
  }
  return value;
}
