import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { businessDateOf } from '@remit/calendar';
import { Outbox } from '@remit/messaging';
import {
  AppError,
  Clock,
  REMIT_CONFIG,
  canActForCustomer,
  type Principal,
  type RemitConfig,
} from '@remit/platform';
import { PaymentEntity, type PaymentStatus } from './payment.entity';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';
import { toPaymentView, type PaymentView } from './payment.view';

const CANCELABLE: readonly PaymentStatus[] = ['submitted', 'scheduled', 'awaiting_funds'];

/**
 * Whether a payment may still be canceled at `now`: while it has not moved (submitted, scheduled,
 * awaiting funds), never a card payment (captured at once), and, for a bank debit, before the cutoff of its business day, when that day's NACHA
 * file is written (docs/architecture.md, "Business-day rules").
 */
export function cancelRefusal(
  payment: Pick<PaymentEntity, 'status' | 'methodType' | 'businessDate'>,
  now: Date,
  cutoff: string,
): string | undefined {
  if (!CANCELABLE.includes(payment.status)) return `the payment is ${payment.status}`;
  // The processor authorises and captures a card payment as it is submitted: it is refunded, not canceled.
  if (payment.methodType === 'card') return 'a card payment is captured when it is submitted';
  const bankDebit = payment.methodType === 'ach' || payment.methodType === 'saved';
  if (bankDebit && businessDateOf(now, { cutoff }) > payment.businessDate) {
    return `the bank file of ${payment.businessDate} was written at its ${cutoff} cutoff`;
  }
  return undefined;
}

/** The CancelPayment use case, shared by the HTTP API and the payments.commands.v1 topic. */
@Injectable()
export class CancelPaymentService {
  private readonly logger = new Logger(CancelPaymentService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  /** Marks the payment canceled and asks settlement to drop it; canceling it again changes nothing. */
  async cancel(principal: Principal, paymentId: string): Promise<PaymentView> {
    const now = await this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const payment = /^[0-9a-f-]{36}$/i.test(paymentId)
        ? await manager.findOne(PaymentEntity, { where: { paymentId }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!payment || !canActForCustomer(principal, payment.customerId)) {
        throw AppError.notFound('PAYMENT.NOT_FOUND', `payment ${paymentId} not found`);
      }
      if (payment.status === 'canceled') return toPaymentView(payment);
      const refusal = cancelRefusal(payment, now, this.config.achCutoff);
      if (refusal) {
        throw AppError.conflict(
          'PAYMENT.NOT_CANCELABLE',
          `payment ${paymentId} can no longer be canceled: ${refusal}`,
        );
      }
      payment.status = 'canceled';
      await manager.update(PaymentEntity, { paymentId }, { status: 'canceled' });
      await manager.insert(PaymentStatusChangeEntity, {
        paymentId,
        status: 'canceled',
        at: now,
        reason: `canceled by ${principal.sub}`,
        sourceEventId: null,
      });
      await this.outbox.add(manager, {
        type: 'payment.cancel-requested',
        customerId: payment.customerId,
        subject: paymentId,
        data: {
          paymentId,
          customerId: payment.customerId,
          amountCents: payment.amountCents,
          method: { type: payment.methodType, ...(payment.last4 ? { last4: payment.last4 } : {}) },
          requestedAt: now.toISOString(),
        },
      });
      this.logger.log(`payment ${paymentId} canceled by ${principal.sub}`);
      return toPaymentView(payment);
    });
  }
}
