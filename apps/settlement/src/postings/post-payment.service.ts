import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { businessDateOf } from '@remit/calendar';
import { Outbox } from '@remit/messaging';
import { Clock } from '@remit/platform';
import { SettlementPaymentEntity } from './settlement-payment.entity';

export interface SettlementRunResult {
  asOf: string;
  postedCount: number;
  postedPaymentIds: string[];
}

@Injectable()
export class PostPaymentService {
  private readonly logger = new Logger(PostPaymentService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /** The delayed job's work: post the payment if its posting date has come (by the platform clock). */
  async postIfDue(paymentId: string): Promise<boolean> {
    const today = businessDateOf(await this.clock.now());
    return this.post(paymentId, today);
  }

  /** Ops' catch-up (docs/architecture.md): posts every scheduled payment whose posting date is on or before asOf. */
  async run(asOf: string): Promise<SettlementRunResult> {
    const due = await this.dataSource.getRepository(SettlementPaymentEntity).find({
      select: { paymentId: true },
      where: { status: 'scheduled', postingDate: LessThanOrEqual(asOf) },
      order: { postingDate: 'ASC', paymentId: 'ASC' },
    });
    const postedPaymentIds: string[] = [];
    for (const { paymentId } of due) {
      if (await this.post(paymentId, asOf)) postedPaymentIds.push(paymentId);
    }
    this.logger.log(`settlement run as of ${asOf}: ${postedPaymentIds.length} payment(s) posted`);
    return { asOf, postedCount: postedPaymentIds.length, postedPaymentIds };
  }

  private async post(paymentId: string, asOf: string): Promise<boolean> {
    const posted = await this.dataSource.transaction(async (manager) => {
      const payment = await manager.findOne(SettlementPaymentEntity, {
        where: { paymentId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!payment) {
        this.logger.warn(`payment ${paymentId}: nothing to post (not scheduled here)`);
        return false;
      }
      if (payment.status !== 'scheduled' || payment.postingDate > asOf) return false;
      const postedAt = await this.clock.now();
      await manager.update(SettlementPaymentEntity, { paymentId }, { status: 'posted', postedAt });
      await this.outbox.add(manager, {
        type: 'payment.posted',
        customerId: payment.customerId,
        subject: paymentId,
        correlationId: payment.correlationId,
        data: {
          paymentId,
          customerId: payment.customerId,
          amountCents: payment.amountCents,
          currency: 'USD',
          method: payment.last4
            ? { type: payment.methodType, last4: payment.last4 }
            : { type: payment.methodType },
          invoices: payment.invoices,
          postingDate: payment.postingDate,
          postedAt: postedAt.toISOString(),
        },
      });
      this.logger.log(
        `payment ${paymentId} posted for ${payment.customerId}: ${payment.amountCents} cents on ${payment.postingDate}`,
      );
      return true;
    });
    return posted;
  }
}
