import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused, qualifiedTableName } from '@remit/messaging';
import { Clock } from '@remit/platform';
import { PAYMENT_STATUSES, PaymentEntity, type PaymentStatus } from './payment.entity';
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

/**
 * The statuses a payment may move to `to` from (never `to` itself: an event that finds the payment
 * there already changes nothing). `transition` hands them to its statement, which decides on the row
 * it has locked.
 */
export function statusesMovingTo(to: PaymentStatus): PaymentStatus[] {
  return PAYMENT_STATUSES.filter((from) => from !== to && canTransition(from, to));
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
   * One statement whatever happens (this runs for every settlement event, ~10-15 to a consumer
   * transaction): the row locked and read (`FOR UPDATE` returns its newest version once the lock is
   * ours, in READ COMMITTED), moved only if its status allows it, acknowledged in any case, and its
   * history row written only if it moved. The statement returns the status it found, so the decision
   * logged is the one the database made; no row means no such payment.
   */
  private async transition(
    manager: EntityManager,
    paymentId: string,
    to: PaymentStatus,
    event: CloudEvent,
    reason: string,
  ): Promise<void> {
    const payments = qualifiedTableName(manager.connection, PaymentEntity);
    const history = qualifiedTableName(manager.connection, PaymentStatusChangeEntity);
    // When intake's status changed, by the platform clock: an event's `time` is its producer's real
    // time. Read before the statement, so also when nothing moves (free in production; one Redis read
    // with the test clock).
    const at = await this.clock.now();
    // One UPDATE for both effects: PostgreSQL lets one statement update a row only once. Only a row
    // that moves or is not yet acknowledged is written: an already acknowledged payment that stays
    // put gets no new row version. Any event of settlement about the payment says settlement has it
    // (payment-redrive.service.ts).
    const [found] = await manager.query<{ previous: PaymentStatus; moved: boolean }[]>(
      `WITH locked AS (
         SELECT payment_id, status, status = ANY($3::text[]) AS moves
           FROM ${payments} WHERE payment_id = $1::uuid FOR UPDATE),
       written AS (
         UPDATE ${payments} payment
            SET status = CASE WHEN locked.moves THEN $2::text ELSE payment.status END,
                updated_at = CASE WHEN locked.moves THEN CURRENT_TIMESTAMP ELSE payment.updated_at END,
                settlement_acknowledged_at = COALESCE(payment.settlement_acknowledged_at, now())
           FROM locked
          WHERE payment.payment_id = locked.payment_id
            AND (locked.moves OR payment.settlement_acknowledged_at IS NULL)),
       recorded AS (
         INSERT INTO ${history} (payment_id, status, at, reason, source_event_id)
         SELECT payment_id, $2::text, $4::timestamptz, $5::text, $6::text FROM locked WHERE moves)
       SELECT status AS previous, moves AS moved FROM locked`,
      [paymentId, to, statusesMovingTo(to), at, reason, event.id],
    );
    if (!found) {
      throw new EventRefused(
        'PAYMENT.UNKNOWN',
        `event ${event.id} (${event.type}) names unknown payment ${paymentId}`,
      );
    }
    if (found.moved) {
      this.logger.log(`payment ${paymentId}: ${found.previous} → ${to} (${reason})`);
    } else if (found.previous === to) {
      this.logger.debug(`payment ${paymentId}: already ${to}; ${event.type} changes nothing`);
    } else {
      this.logger.warn(
        `payment ${paymentId}: ignoring ${event.type} (${found.previous} → ${to} is not allowed)`,
      );
    }
  }
}
