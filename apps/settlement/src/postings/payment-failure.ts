import type { EntityManager } from 'typeorm';
import type { Outbox } from '@remit/messaging';
import { publicMethodOf } from './post-payment.service';
import { SettlementPaymentEntity, type SettlementStatus } from './settlement-payment.entity';

export interface PaymentFailure {
  code: string;
  reason: string;
  at: Date;
}

/**
 * Marks a payment `failed` with its code and reason and publishes `payment.failed`, in the caller's
 * transaction; with `onlyFrom`, only while the payment still has that status. True when it failed here.
 */
export async function failPayment(
  outbox: Outbox,
  manager: EntityManager,
  payment: SettlementPaymentEntity,
  failure: PaymentFailure,
  onlyFrom?: SettlementStatus,
): Promise<boolean> {
  const changed = await manager.update(
    SettlementPaymentEntity,
    onlyFrom ? { paymentId: payment.paymentId, status: onlyFrom } : { paymentId: payment.paymentId },
    {
      status: 'failed',
      failureCode: failure.code,
      failureReason: failure.reason,
      statusChangedAt: failure.at,
    },
  );
  if (!changed.affected) return false;
  await outbox.add(manager, {
    type: 'payment.failed',
    customerId: payment.customerId,
    subject: payment.paymentId,
    correlationId: payment.correlationId,
    data: {
      paymentId: payment.paymentId,
      customerId: payment.customerId,
      amountCents: payment.amountCents,
      method: publicMethodOf(payment),
      code: failure.code,
      reason: failure.reason,
      failedAt: failure.at.toISOString(),
    },
  });
  return true;
}
