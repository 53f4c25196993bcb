import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { Outbox } from '@remit/messaging';
import { afterCommit } from '@remit/persistence';
import { Clock } from '@remit/platform';
import { AchEntryEntity } from '../origination/ach-entry.entity';
import { publicMethodOf } from '../postings/post-payment.service';
import { POSTING_QUEUE, postingJobId, type PostingJob } from '../postings/posting-queue';
import { SettlementPaymentEntity } from '../postings/settlement-payment.entity';

export type CancelOutcome = 'canceled' | 'already-in-file' | 'not-cancelable' | 'unknown';

/**
 * A customer's cancel (docs/architecture.md, "Cancel"): an ACH debit not yet in a file is canceled and
 * never originated; one already in a file has gone to the bank and stays (a warning says so). A
 * declared check or wire still awaiting its funds is canceled too.
 */
@Injectable()
export class CancelPaymentService {
  private readonly logger = new Logger(CancelPaymentService.name);

  constructor(
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    @InjectQueue(POSTING_QUEUE) private readonly queue: Queue<PostingJob>,
  ) {}

  async onCancelRequested(
    event: CloudEvent<'payment.cancel-requested'>,
    manager: EntityManager,
  ): Promise<CancelOutcome> {
    const { paymentId } = event.data;
    // The same lock the day's close takes on pending entries: a cancel and a file never both win.
    const entry = await manager.findOne(AchEntryEntity, {
      where: { paymentId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!entry) return this.cancelDeclared(event, manager);
    if (entry.status !== 'pending') {
      if (entry.status === 'in_file' || entry.status === 'returned') {
        this.logger.warn(
          `payment ${paymentId}: cancel requested after its ACH file was written (${entry.status}); the debit stands`,
        );
        return 'already-in-file';
      }
      return 'not-cancelable';
    }
    const canceledAt = await this.clock.now();
    await manager.update(AchEntryEntity, { paymentId }, { status: 'canceled' });
    await manager.update(SettlementPaymentEntity, { paymentId }, { status: 'canceled' });
    await this.outbox.add(manager, {
      type: 'payment.canceled',
      customerId: entry.customerId,
      subject: paymentId,
      correlationId: event.correlationid,
      data: {
        paymentId,
        customerId: entry.customerId,
        amountCents: entry.amountCents,
        method: entry.last4 ? { type: entry.methodType, last4: entry.last4 } : { type: entry.methodType },
        canceledAt: canceledAt.toISOString(),
      },
    });
    // The posting job would find the payment canceled and do nothing; removing it is tidiness.
    afterCommit(
      manager,
      () => this.queue.remove(postingJobId(paymentId)),
      (error) =>
        this.logger.warn(
          `payment ${paymentId}: posting job not removed (${error instanceof Error ? error.message : String(error)}); it will find the payment canceled`,
        ),
    );
    this.logger.log(`payment ${paymentId} canceled before its ACH file`);
    return 'canceled';
  }

  /**
   * A declared check or wire still `awaiting_funds`: canceled, so no receipt matches it any more (a
   * receipt for it becomes customer credit). Anything else (a card, captured at submission) stands.
   */
  private async cancelDeclared(
    event: CloudEvent<'payment.cancel-requested'>,
    manager: EntityManager,
  ): Promise<CancelOutcome> {
    const { paymentId } = event.data;
    const payment = await manager.findOne(SettlementPaymentEntity, {
      where: { paymentId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!payment) {
      this.logger.warn(`payment ${paymentId}: cancel requested for a payment settlement does not know`);
      return 'unknown';
    }
    if (payment.status !== 'awaiting_funds') {
      this.logger.warn(
        `payment ${paymentId}: cancel requested for a ${payment.methodType} payment that is ${payment.status}; it stands`,
      );
      return 'not-cancelable';
    }
    const canceledAt = await this.clock.now();
    await manager.update(
      SettlementPaymentEntity,
      { paymentId },
      { status: 'canceled', statusChangedAt: canceledAt },
    );
    await this.outbox.add(manager, {
      type: 'payment.canceled',
      customerId: payment.customerId,
      subject: paymentId,
      correlationId: event.correlationid,
      data: {
        paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        method: publicMethodOf(payment),
        canceledAt: canceledAt.toISOString(),
      },
    });
    this.logger.log(`declared ${payment.methodType} payment ${paymentId} canceled before its receipt`);
    return 'canceled';
  }
}
