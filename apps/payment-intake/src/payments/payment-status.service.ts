import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused } from '@remit/messaging';
import { Clock } from '@remit/platform';
import { PaymentEntity, type PaymentStatus } from './payment.entity';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';

/**
 * Which status may follow which (docs/architecture.md: submitted → scheduled → posted → returned, and
 * the rest). Only forward: an event delivered late or twice never moves a payment back.
 */
const ALLOWED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  submitted: ['scheduled', 'awaiting_funds', 'posted', 'returned', 'failed', 'canceled', 'expired'],
  awaiting_funds: ['posted', 'returned', 'failed', 'expired', 'canceled'],
  scheduled: ['posted', 'returned', 'failed', 'canceled'],
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

  constructor(private readonly clock: Clock) {}

  async onScheduled(event: CloudEvent<'payment.scheduled'>, manager: EntityManager): Promise<void> {
    const status = event.data.status ?? 'scheduled';
    await this.transition(
      manager,
      event.data.paymentId,
      status,
      event,
      status === 'awaiting_funds'
        ? `expected by ${event.data.expectedPostingDate}`
        : `posting on ${event.data.expectedPostingDate}`,
    );
  }

  async onPosted(event: CloudEvent<'payment.posted'>, manager: EntityManager): Promise<void> {
    await this.transition(manager, event.data.paymentId, 'posted', event, `posted ${event.data.postingDate}`);
  }

  async onReturned(event: CloudEvent<'payment.returned'>, manager: EntityManager): Promise<void> {
    await this.transition(
      manager,
      event.data.paymentId,
      'returned',
      event,
      `${event.data.returnCode}: ${event.data.returnDescription}`,
    );
  }

  async onFailed(event: CloudEvent<'payment.failed'>, manager: EntityManager): Promise<void> {
    await this.transition(
      manager,
      event.data.paymentId,
      'failed',
      event,
      `${event.data.code}: ${event.data.reason}`,
    );
  }

  async onExpired(event: CloudEvent<'payment.expired'>, manager: EntityManager): Promise<void> {
    await this.transition(manager, event.data.paymentId, 'expired', event, 'no receipt within the window');
  }

  /** settlement confirms a cancel intake already recorded; a cancel of its own (ops) is recorded here. */
  async onCanceled(event: CloudEvent<'payment.canceled'>, manager: EntityManager): Promise<void> {
    await this.transition(manager, event.data.paymentId, 'canceled', event, 'canceled by settlement');
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
    if (payment.settlementAcknowledgedAt === null) {
      await manager.update(PaymentEntity, { paymentId }, { settlementAcknowledgedAt: new Date() });
    }
    if (payment.status === to) {
      this.logger.debug(`payment ${paymentId}: already ${to}; ${event.type} changes nothing`);
      return;
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
      // When intake's status changed, by the platform clock: an event's `time` is its producer's real time.
      at: await this.clock.now(),
      reason,
      sourceEventId: event.id,
    });
    this.logger.log(`payment ${paymentId}: ${payment.status} → ${to} (${reason})`);
  }
}
