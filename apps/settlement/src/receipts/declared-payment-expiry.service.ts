import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { equalsLiteral } from '@remit/persistence';
import { Outbox } from '@remit/messaging';
import { Clock } from '@remit/platform';
import { publicMethodOf } from '../postings/post-payment.service';
import { SettlementPaymentEntity } from '../postings/settlement-payment.entity';

/**
 * Declared check and wire payments never received expire (docs/architecture.md, flow 4): on their
 * `expires_on` date (the submission's business day + DECLARED_PAYMENT_EXPIRY_DAYS calendar days)
 * they become `expired` with `payment.expired`. Run by the minute sweep and by the settlement run.
 */
@Injectable()
export class DeclaredPaymentExpiryService {
  private readonly logger = new Logger(DeclaredPaymentExpiryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /** Expires every declared payment whose expiry date is on or before `asOf` (a New York date). */
  async expireDue(asOf: string): Promise<string[]> {
    const due = await this.dataSource.getRepository(SettlementPaymentEntity).find({
      select: { paymentId: true },
      where: { status: equalsLiteral('awaiting_funds'), expiresOn: LessThanOrEqual(asOf) },
      order: { expiresOn: 'ASC', paymentId: 'ASC' },
      take: 1000,
    });
    const expired: string[] = [];
    for (const { paymentId } of due) {
      if (await this.expire(paymentId, asOf)) expired.push(paymentId);
    }
    if (expired.length > 0) this.logger.log(`${expired.length} declared payment(s) expired as of ${asOf}`);
    return expired;
  }

  private expire(paymentId: string, asOf: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const payment = await manager.findOne(SettlementPaymentEntity, {
        where: { paymentId },
        lock: { mode: 'pessimistic_write' },
      });
      // A receipt may have matched it meanwhile.
      if (
        !payment ||
        payment.status !== 'awaiting_funds' ||
        payment.expiresOn === null ||
        payment.expiresOn > asOf
      )
        return false;
      const expiredAt = await this.clock.now();
      await manager.update(
        SettlementPaymentEntity,
        { paymentId },
        { status: 'expired', statusChangedAt: expiredAt },
      );
      await this.outbox.add(manager, {
        type: 'payment.expired',
        customerId: payment.customerId,
        subject: paymentId,
        correlationId: payment.correlationId,
        data: {
          paymentId,
          customerId: payment.customerId,
          amountCents: payment.amountCents,
          method: publicMethodOf(payment),
          expiredAt: expiredAt.toISOString(),
        },
      });
      return true;
    });
  }
}
