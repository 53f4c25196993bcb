import { assertCents } from '@remit/money';
import { assertId, type Fee } from './fee';
import { defaultFeePolicy, type FeePolicy } from './fee-policy';

export interface ReturnFee extends Fee {
  readonly kind: 'return';
  readonly paymentId: string;
}

export interface ReturnedPayment {
  readonly paymentId: string;
  readonly amountCents: number;
}

/** A fee already charged to the customer, as far as this rule needs to know it. */
export interface ExistingFee {
  readonly kind: string;
  readonly paymentId?: string;
  /** The fee's idempotency key, when the caller has it (`return-fee:<paymentId>`). */
  readonly key?: string;
}

/**
 * The idempotency key of the return fee for one payment. docs/architecture.md, flow 2: "a BullMQ job charges the $25
 * return fee once per payment"; the invoice service enforces it with a unique constraint on this key.
 */
export function returnFeeKey(paymentId: string): string {
  return `return-fee:${assertId(paymentId, 'paymentId')}`;
}

/**
 * The Return Fee for a returned payment (docs/architecture.md: "Any returned payment is charged a Return Fee of
 * $25.00"), or null if `existingFees` already holds a return fee for this payment: at most one return fee
 * per returned payment, even if the payment is returned again after a re-presentment (R01/R09 may be
 * re-presented up to twice — NACHA; each return of the same payment is still one returned payment).
 * The fee does not depend on the payment's amount; the amount is only checked to be integer cents.
 */
export function returnFeeFor(
  payment: ReturnedPayment,
  existingFees: readonly ExistingFee[],
  policy: FeePolicy = defaultFeePolicy,
): ReturnFee | null {
  const paymentId = assertId(payment.paymentId, 'paymentId');
  assertCents(payment.amountCents, 'amountCents');
  const key = returnFeeKey(paymentId);
  const alreadyCharged = existingFees.some(
    (fee) => fee.key === key || (fee.kind === 'return' && fee.paymentId === paymentId),
  );
  if (alreadyCharged) return null;
  return {
    kind: 'return',
    key,
    paymentId,
    amountCents: policy.returnFee.amountCents,
    description: policy.returnFee.description,
  };
}
