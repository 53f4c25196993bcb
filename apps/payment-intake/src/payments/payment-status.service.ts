import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused, qualifiedTableName } from '@remit/messaging';
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

  /**
   * Two statements whatever happens (this runs for every settlement event): the row's status, read
   * under its lock, then one statement that moves it and writes its history row together.
   */
  private async transition(
    manager: EntityManager,
    paymentId: string,
    to: PaymentStatus,
    event: CloudEvent,
    reason: string,
  ): Promise<void> {
    const payments = qualifiedTableName(manager.connection, PaymentEntity);
    const [payment] = await manager.query<{ status: PaymentStatus; acknowledged: boolean }[]>(
      `SELECT status, settlement_acknowledged_at IS NOT NULL AS acknowledged
         FROM ${payments} WHERE payment_id = $1 FOR UPDATE`,
      [paymentId],
    );
    if (!payment) {
      throw new EventRefused(
        'PAYMENT.UNKNOWN',
        `event ${event.id} (${event.type}) names unknown payment ${paymentId}`,
      );
    }
    // Any event of settlement about the payment says settlement has it (payment-redrive.service.ts).
    const acknowledge = `settlement_acknowledged_at = COALESCE(settlement_acknowledged_at, now())`;
    const moves = payment.status !== to && canTransition(payment.status, to);
    if (!moves) {
      if (!payment.acknowledged) {
        await manager.query(`UPDATE ${payments} SET ${acknowledge} WHERE payment_id = $1`, [paymentId]);
      }
      if (payment.status === to) {
        this.logger.debug(`payment ${paymentId}: already ${to}; ${event.type} changes nothing`);
      } else {
        this.logger.warn(
          `payment ${paymentId}: ignoring ${event.type} (${payment.status} → ${to} is not allowed)`,
        );
      }
      return;
    }
    // When intake's status changed, by the platform clock: an event's `time` is its producer's real time.
    const at = await this.clock.now();
    await manager.query(
      `WITH moved AS (
         UPDATE ${payments} SET status = $2, ${acknowledge}, updated_at = CURRENT_TIMESTAMP
          WHERE payment_id = $1 RETURNING payment_id)
       INSERT INTO ${qualifiedTableName(manager.connection, PaymentStatusChangeEntity)}
              (payment_id, status, at, reason, source_event_id)
       SELECT payment_id, $2, $3, $4, $5 FROM moved`,
      [paymentId, to, at, reason, event.id],
    );
    this.logger.log(`payment ${paymentId}: ${payment.status} → ${to} (${reason})`);
  }
}
