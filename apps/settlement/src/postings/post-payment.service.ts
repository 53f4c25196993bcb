import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual, type EntityManager } from 'typeorm';
import { businessDateOf, localDateTimeOf } from '@remit/calendar';
import { Outbox, type OutboxEventInput } from '@remit/messaging';
import { equalsLiteral } from '@remit/persistence';
import { AppError, Clock } from '@remit/platform';
import { SettlementPaymentEntity } from './settlement-payment.entity';

/**
 * Payments the settlement run and the sweep post per transaction. Each transaction costs a few round
 * trips whatever its size, where one per payment made a run of 300 take seconds; 100 keeps a chunk's
 * locks and its outbox INSERT small (docs/performance.md).
 */
export const POSTING_CHUNK_SIZE = 100;

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
    return outcome !== 'not-due';
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

  /**
   * Posts every scheduled payment due by asOf, {@link POSTING_CHUNK_SIZE} per transaction: one locking
   * select, one UPDATE, one outbox INSERT and one clock read a chunk, where it used to be a
   * transaction and a clock read per payment. A chunk skips the rows another transaction holds
   * instead of waiting for them while it holds its own, so a run never waits on a lock while holding
   * one and can never be part of a deadlock (with the per-payment posting job, the sweep, a consumer
   * batch that cancels several payments in its own order, the close of a day). When only held rows
   * are left, the first of them is posted the way every payment used to be, alone: waiting for its
   * lock and checking the row again, so a payment canceled or returned meanwhile is not posted and
   * one posted meanwhile is not posted twice; by then its holder has usually committed the rest.
   */
  private async postDue(asOf: string): Promise<SettlementRunResult> {
    const posted: Pick<SettlementPaymentEntity, 'paymentId' | 'postingDate'>[] = [];
    let waited = 0;
    for (;;) {
      const [next] = await this.dataSource.getRepository(SettlementPaymentEntity).find({
        select: { paymentId: true },
        where: { status: equalsLiteral('scheduled'), postingDate: LessThanOrEqual(asOf) },
        order: { postingDate: 'ASC', paymentId: 'ASC' },
        take: 1,
      });
      if (!next) break;
      const chunk = await this.postDueChunk(asOf);
      posted.push(...chunk);
      if (chunk.length > 0) continue;
      waited += 1;
      const outcome = await this.post(next.paymentId, asOf);
      if (typeof outcome !== 'string') posted.push(outcome);
    }
    // In posting date order, as the run has always listed them.
    const postedPaymentIds = posted
      .sort((a, b) => compare(a.postingDate, b.postingDate) || compare(a.paymentId, b.paymentId))
      .map((payment) => payment.paymentId);
    if (postedPaymentIds.length > 0 || waited > 0) {
      this.logger.log(
        `settlement as of ${asOf}: ${postedPaymentIds.length} payment(s) posted${waited > 0 ? ` (${waited} held by another transaction, taken alone)` : ''}`,
      );
    }
    return { asOf, postedCount: postedPaymentIds.length, postedPaymentIds };
  }

  /**
   * One transaction: locks up to {@link POSTING_CHUNK_SIZE} due scheduled payments in (posting date,
   * payment id) order, skipping rows another transaction holds, marks them posted and writes their
   * `payment.posted` events. PostgreSQL checks a row's status again once it is locked, so a row
   * posted, canceled or returned by a transaction that committed after this one began is skipped.
   */
  private async postDueChunk(asOf: string): Promise<SettlementPaymentEntity[]> {
    return this.dataSource.transaction(async (manager) => {
      const due = await manager.find(SettlementPaymentEntity, {
        where: { status: equalsLiteral('scheduled'), postingDate: LessThanOrEqual(asOf) },
        order: { postingDate: 'ASC', paymentId: 'ASC' },
        take: POSTING_CHUNK_SIZE,
        lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' },
      });
      if (due.length === 0) return due;
      const postedAt = await this.clock.now();
      const updated = await manager
        .createQueryBuilder()
        .update(SettlementPaymentEntity)
        .set({ status: 'posted', postedAt, statusChangedAt: postedAt })
        .whereInIds(due.map((payment) => payment.paymentId))
        .andWhere('status = :status', { status: 'scheduled' })
        .execute();
      // The rows are locked and were scheduled: anything else is a bug, and rolls the chunk back.
      if (updated.affected !== due.length) {
        throw new Error(`posting chunk: ${updated.affected} of ${due.length} locked payments updated`);
      }
      await this.outbox.addMany(
        manager,
        due.map((payment) => postedEventOf(payment, payment.postingDate, postedAt)),
      );
      for (const payment of due) this.logger.debug(postedLine(payment, payment.postingDate));
      const cents = due.reduce((sum, payment) => sum + payment.amountCents, 0);
      this.logger.log(
        `settlement as of ${asOf}: ${due.length} payment(s) posted in one transaction, ${cents} cents, posting dates ${due[0].postingDate} to ${due[due.length - 1].postingDate}`,
      );
      return due;
    });
  }

  /** One payment in its own transaction, waiting for its lock: the posted payment, or why not. */
  private async post(
    paymentId: string,
    asOf: string,
  ): Promise<SettlementPaymentEntity | 'not-due' | 'unknown'> {
    const posted = await this.dataSource.transaction(
      async (manager): Promise<SettlementPaymentEntity | 'not-due' | 'unknown'> => {
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
        return payment;
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
    await this.outbox.add(manager, postedEventOf(payment, postingDate, postedAt));
    this.logger.log(postedLine(payment, postingDate));
  }
}

/** The `payment.posted` of a payment posted on `postingDate` at `postedAt`: one shape for every path. */
function postedEventOf(
  payment: SettlementPaymentEntity,
  postingDate: string,
  postedAt: Date,
): OutboxEventInput<'payment.posted'> {
  return {
    type: 'payment.posted',
    customerId: payment.customerId,
    subject: payment.paymentId,
    correlationId: payment.correlationId,
    data: {
      paymentId: payment.paymentId,
      customerId: payment.customerId,
      amountCents: payment.amountCents,
      currency: 'USD',
      method: publicMethodOf(payment),
      invoices: payment.invoices,
      postingDate,
      postedAt: postedAt.toISOString(),
    },
  };
}

function postedLine(payment: SettlementPaymentEntity, postingDate: string): string {
  return `payment ${payment.paymentId} (${payment.methodType}) posted for ${payment.customerId}: ${payment.amountCents} cents on ${postingDate}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The method as settlement's events show it: its type and, for bank accounts, the last 4 digits. */
export function publicMethodOf(payment: Pick<SettlementPaymentEntity, 'methodType' | 'last4'>): {
  type: SettlementPaymentEntity['methodType'];
  last4?: string;
} {
  return payment.last4 ? { type: payment.methodType, last4: payment.last4 } : { type: payment.methodType };
}
