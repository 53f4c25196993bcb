import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused } from '@remit/messaging';
import { PaymentEntity, type PaymentStatus } from './payment.entity';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';

/** Which status may follow which (docs/architecture.md: submitted → scheduled → posted → returned, and the rest). */
const ALLOWED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  submitted: ['scheduled', 'posted', 'failed', 'canceled'],
  awaiting_funds: ['posted', 'expired', 'canceled'],
  scheduled: ['posted', 'failed', 'canceled'],
  posted: ['returned'],
  returned: [],
  failed: [],
  canceled: [],
  expired: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Follows settlement's events so that GET /v1/payments/{id} shows where the money is. */
@Injectable()
export class PaymentStatusService {
  private readonly logger = new Logger(PaymentStatusService.name);

  async onScheduled(event: CloudEvent<'payment.scheduled'>, manager: EntityManager): Promise<void> {
    await this.transition(
      manager,
      event.data.paymentId,
      'scheduled',
      event,
      `posting on ${event.data.expectedPostingDate}`,
    );
  }

  async onPosted(event: CloudEvent<'payment.posted'>, manager: EntityManager): Promise<void> {
    await this.transition(manager, event.data.paymentId, 'posted', event, `posted ${event.data.postingDate}`);
  }

  private async transition(
    manager: EntityManager,
    paymentId: string,
    to: PaymentStatus,
    event: CloudEvent,
    reason: string,
  ): Promise<void> {
    const payment = await manager.findOne(PaymentEntity, {
      where: { paymentId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!payment) {
      throw new EventRefused(
        'PAYMENT.UNKNOWN',
        `event ${event.id} (${event.type}) names unknown payment ${paymentId}`,
      );
    }
    if (!canTransition(payment.status, to)) {
      this.logger.warn(
        `payment ${paymentId}: ignoring ${event.type} (${payment.status} → ${to} is not allowed)`,
      );
      return;
    }
    await manager.update(PaymentEntity, { paymentId }, { status: to });
    await manager.insert(PaymentStatusChangeEntity, {
      paymentId,
      status: to,
      at: new Date(event.time),
      reason,
      sourceEventId: event.id,
    });
    this.logger.log(`payment ${paymentId}: ${payment.status} → ${to} (${reason})`);
  }
}
