import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Outbox, OutboxEventEntity, qualifiedTableName } from '@remit/messaging';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { PaymentEntity } from './payment.entity';

export interface RedriveResult {
  /** Payments whose `payment.submitted` was published again. */
  republished: string[];
  /** Payments whose event is still waiting in the outbox: the relay will publish it. */
  pending: string[];
  /** Payments whose event is gone from the outbox (purged): reported, for ops. */
  missing: string[];
}

/**
 * No payment stays unknown to settlement for good: settlement answers `payment.submitted` with
 * `payment.scheduled` (or `payment.failed`) within a second, so a payment it has not answered after
 * PAYMENT_REDRIVE_AFTER_SECONDS — still `submitted`, or a declared check or wire `awaiting_funds` with
 * no `settlement_acknowledged_at` — lost its event on the way (a broker that lost its data, say). Its
 * outbox row — the same event, same id — is marked unsent, so the relay publishes it again;
 * settlement's inbox makes a second delivery harmless. Ages are measured by the database's clock
 * (`created_at`), not the platform's test clock, since they are about delivery, not business days.
 */
@Injectable()
export class PaymentRedriveService {
  private readonly logger = new Logger(PaymentRedriveService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  async redriveStuck(limit = 500): Promise<RedriveResult> {
    const payments = qualifiedTableName(this.dataSource, PaymentEntity);
    const outbox = qualifiedTableName(this.dataSource, OutboxEventEntity);
    const afterSeconds = Math.ceil(this.config.paymentRedriveAfterMs / 1000);
    const result = await this.dataSource.transaction(async (manager) => {
      const stuck: { payment_id: string; submitted_event_id: string }[] = await manager.query(
        // A SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
        `WITH picked AS (
           UPDATE ${payments} SET redriven_at = now()
            WHERE payment_id IN (
                  SELECT payment_id FROM ${payments}
                   WHERE status IN ('submitted', 'awaiting_funds') AND settlement_acknowledged_at IS NULL
                     AND submitted_event_id IS NOT NULL
                     AND created_at < now() - make_interval(secs => $1)
                     AND (redriven_at IS NULL OR redriven_at < now() - make_interval(secs => $1))
                   ORDER BY created_at
                   LIMIT $2
                     FOR UPDATE SKIP LOCKED)
            RETURNING payment_id, submitted_event_id)
         SELECT payment_id, submitted_event_id FROM picked`,
        [afterSeconds, limit],
      );
      const outcome: RedriveResult = { republished: [], pending: [], missing: [] };
      for (const { payment_id: paymentId, submitted_event_id: eventId } of stuck) {
        const rows: { sent: boolean }[] = await manager.query(
          `WITH reset AS (UPDATE ${outbox} SET sent_at = NULL WHERE id = $1 AND sent_at IS NOT NULL RETURNING id)
           SELECT EXISTS (SELECT 1 FROM reset) AS sent
             FROM ${outbox} WHERE id = $1`,
          [eventId],
        );
        if (rows.length === 0) outcome.missing.push(paymentId);
        else if (rows[0].sent) outcome.republished.push(paymentId);
        else outcome.pending.push(paymentId);
      }
      return outcome;
    });
    if (result.republished.length > 0) {
      this.outbox.notify();
      this.logger.warn(
        `re-drove ${result.republished.length} payment(s) still submitted after ${afterSeconds}s: ${result.republished.join(', ')}`,
      );
    }
    if (result.pending.length > 0) {
      this.logger.warn(
        `${result.pending.length} payment(s) still submitted; their event has not left the outbox yet: ${result.pending.join(', ')}`,
      );
    }
    if (result.missing.length > 0) {
      this.logger.error(
        `${result.missing.length} payment(s) still submitted and their event is no longer in the outbox; needs ops: ${result.missing.join(', ')}`,
      );
    }
    return result;
  }
}
