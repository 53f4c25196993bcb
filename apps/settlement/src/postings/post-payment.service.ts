import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual, type EntityManager } from 'typeorm';
import { businessDateOf, localDateTimeOf } from '@remit/calendar';
import { Outbox } from '@remit/messaging';
import { AppError, Clock } from '@remit/platform';
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

  /**
   * The delayed job's work: post the payment if its posting date has come (by the platform clock).
   * A payment this service does not know is an error, so that the job retries: its row may not be
   * visible yet, and a job must never complete without having posted what it was for.
   */
  async postIfDue(paymentId: string): Promise<boolean> {
    const outcome = await this.post(paymentId, await this.newYorkDate());
    if (outcome === 'unknown') throw new Error(`payment ${paymentId} is not known to settlement (yet)`);
    return outcome === 'posted';
  }

  /**
   * Every minute (a BullMQ job scheduler): posts what is due by the platform clock, so that a lost
   * Redis job or an exhausted retry never strands a payment.
   */
  async sweep(): Promise<SettlementRunResult> {
    return this.postDue(await this.newYorkDate());
  }

  /**
   * Today's date in New York by the platform clock. Not `businessDateOf`: after the cutoff that is
   * the next business day, and a payment must not post on the evening before its posting date.
   */
  private async newYorkDate(): Promise<string> {
    return localDateTimeOf(await this.clock.now()).date;
  }

  /**
   * Ops' catch-up (docs/architecture.md, "Settlement run"): posts every scheduled payment whose
   * posting date is on or before asOf. A date after the platform clock's is refused: a typo must
   * never post money early.
   */
  async run(asOf: string): Promise<SettlementRunResult> {
    const today = businessDateOf(await this.clock.now());
    if (asOf > today) {
      throw AppError.unprocessable(
        'SETTLEMENT.AS_OF_IN_FUTURE',
        `asOf ${asOf} is after the platform clock's date ${today}`,
        [{ field: 'asOf', code: 'in_future', message: `must be ${today} or earlier` }],
      );
    }
    return this.postDue(asOf);
  }

  private async postDue(asOf: string): Promise<SettlementRunResult> {
    const due = await this.dataSource.getRepository(SettlementPaymentEntity).find({
      select: { paymentId: true },
      where: { status: 'scheduled', postingDate: LessThanOrEqual(asOf) },
      order: { postingDate: 'ASC', paymentId: 'ASC' },
    });
    const postedPaymentIds: string[] = [];
    for (const { paymentId } of due) {
      if ((await this.post(paymentId, asOf)) === 'posted') postedPaymentIds.push(paymentId);
    }
    if (due.length > 0 || postedPaymentIds.length > 0) {
      this.logger.log(`settlement as of ${asOf}: ${postedPaymentIds.length} payment(s) posted`);
    }
    return { asOf, postedCount: postedPaymentIds.length, postedPaymentIds };
  }

  private async post(paymentId: string, asOf: string): Promise<'posted' | 'not-due' | 'unknown'> {
    const posted = await this.dataSource.transaction(
      async (manager): Promise<'posted' | 'not-due' | 'unknown'> => {
        const payment = await manager.findOne(SettlementPaymentEntity, {
          where: { paymentId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!payment) {
          this.logger.warn(`payment ${paymentId}: nothing to post (not scheduled here)`);
          return 'unknown';
        }
        if (payment.status !== 'scheduled' || payment.postingDate > asOf) return 'not-due';
        await this.postLocked(manager, payment, payment.postingDate);
        return 'posted';
      },
    );
    return posted;
  }

  /**
   * Marks a payment `posted` on `postingDate` and publishes `payment.posted`, in the caller's
   * transaction; the caller holds the row's lock and has checked that it may post (a due scheduled
   * payment, an approved card, a matched check or wire receipt).
   */
  async postLocked(
    manager: EntityManager,
    payment: SettlementPaymentEntity,
    postingDate: string,
  ): Promise<void> {
    const paymentId = payment.paymentId;
    const postedAt = await this.clock.now();
    await manager.update(
      SettlementPaymentEntity,
      { paymentId },
      { status: 'posted', postedAt, postingDate, statusChangedAt: postedAt },
    );
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
        method: publicMethodOf(payment),
        invoices: payment.invoices,
        postingDate,
        postedAt: postedAt.toISOString(),
      },
    });
    this.logger.log(
      `payment ${paymentId} (${payment.methodType}) posted for ${payment.customerId}: ${payment.amountCents} cents on ${postingDate}`,
    );
  }
}

/** The method as settlement's events show it: its type and, for bank accounts, the last 4 digits. */
export function publicMethodOf(payment: Pick<SettlementPaymentEntity, 'methodType' | 'last4'>): {
  type: SettlementPaymentEntity['methodType'];
  last4?: string;
} {
  return payment.last4 ? { type: payment.methodType, last4: payment.last4 } : { type: payment.methodType };
}
