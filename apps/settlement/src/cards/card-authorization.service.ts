import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, LessThan, type EntityManager } from 'typeorm';
import { localDateTimeOf } from '@remit/calendar';
import { Outbox } from '@remit/messaging';
import { afterCommit, equalsLiteral } from '@remit/persistence';
import { Clock } from '@remit/platform';
import { failPayment } from '../postings/payment-failure';
import { PostPaymentService, publicMethodOf } from '../postings/post-payment.service';
import { POSTING_QUEUE, postingJobOptions, type PostingJob } from '../postings/posting-queue';
import { SettlementPaymentEntity } from '../postings/settlement-payment.entity';
import { CardProcessor, type CardCaptureResult } from './card-processor';
import {
  CARD_AUTHORIZATION_ATTEMPTS,
  CARD_AUTHORIZATION_BACKOFF_MS,
  CARD_AUTHORIZATION_REDRIVE_AFTER_MS,
  CARD_QUEUE,
  cardJobId,
  type CardAuthorizationJob,
} from './card-queue';

export type CardAuthorizationOutcome = 'approved' | 'declined' | 'failed' | 'already-decided';

/** The processor gave no answer; the job is retried with backoff (BullMQ). */
export class CardProcessorUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CardProcessorUnavailable';
  }
}

/**
 * Card payments (docs/architecture.md, flow 1: "card: authorises now"): authorise and capture through
 * the configured processor, outside any database transaction (a slow processor must not hold a row
 * lock), then record the answer: approved → `payment.scheduled` and, on its business day,
 * `payment.posted`; declined → `payment.failed` with the reason; no answer → retried, then failed.
 */
@Injectable()
export class CardAuthorizationService {
  private readonly logger = new Logger(CardAuthorizationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly processor: CardProcessor,
    private readonly postings: PostPaymentService,
    @InjectQueue(CARD_QUEUE) private readonly cardQueue: Queue<CardAuthorizationJob>,
    @InjectQueue(POSTING_QUEUE) private readonly postingQueue: Queue<PostingJob>,
  ) {}

  /** Queues the authorisation once `manager`'s transaction (which stored the payment) commits. */
  enqueueAfterCommit(manager: EntityManager, paymentId: string): void {
    afterCommit(
      manager,
      () => this.enqueue(paymentId),
      (error) =>
        this.logger.warn(
          `payment ${paymentId}: card authorisation job not added (${error instanceof Error ? error.message : String(error)}); the sweep will add it`,
        ),
    );
  }

  /** Records a card payment that cannot even be tried (no token): it fails at once. */
  async failWithoutToken(manager: EntityManager, payment: SettlementPaymentEntity): Promise<void> {
    await this.fail(manager, payment, 'CARD.TOKEN_MISSING', 'the payment carries no card token');
  }

  /**
   * One attempt. A transient answer throws (the job retries) unless this is the last attempt, which
   * fails the payment instead: a payment never stays `authorizing` for good.
   */
  async authorize(paymentId: string, finalAttempt: boolean): Promise<CardAuthorizationOutcome> {
    const payment = await this.dataSource.getRepository(SettlementPaymentEntity).findOneBy({ paymentId });
    if (!payment) throw new Error(`payment ${paymentId} is not known to settlement (yet)`);
    if (payment.status !== 'authorizing') return 'already-decided';
    let result: CardCaptureResult;
    try {
      result = await this.processor.authorizeAndCapture({
        cardToken: payment.cardToken ?? '',
        amountCents: payment.amountCents,
        currency: 'USD',
        idempotencyKey: paymentId,
      });
    } catch (error) {
      // An adapter that throws is treated as no answer: retried, never approved by accident.
      result = { outcome: 'transient', reason: error instanceof Error ? error.message : String(error) };
    }
    if (result.outcome === 'transient' && !finalAttempt) {
      this.logger.warn(
        `payment ${paymentId}: card processor ${this.processor.name}: ${result.reason}; retrying`,
      );
      throw new CardProcessorUnavailable(result.reason);
    }
    return this.dataSource.transaction(async (manager): Promise<CardAuthorizationOutcome> => {
      const locked = await manager.findOne(SettlementPaymentEntity, {
        where: { paymentId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!locked || locked.status !== 'authorizing') return 'already-decided';
      switch (result.outcome) {
        case 'approved':
          await this.approve(manager, locked, result.authorizationId);
          return 'approved';
        case 'declined':
          await this.fail(manager, locked, result.code, result.reason);
          return 'declined';
        case 'transient':
          await this.fail(
            manager,
            locked,
            'CARD.PROCESSOR_UNAVAILABLE',
            `the card processor did not answer after ${CARD_AUTHORIZATION_ATTEMPTS} attempts: ${result.reason}`,
          );
          return 'failed';
      }
    });
  }

  /** Card payments still `authorizing` after a while get their job again (a lost job, Redis down). */
  async redriveStuck(): Promise<number> {
    const cutoff = new Date(Date.now() - CARD_AUTHORIZATION_REDRIVE_AFTER_MS);
    const stuck = await this.dataSource.getRepository(SettlementPaymentEntity).find({
      select: { paymentId: true },
      where: { status: equalsLiteral('authorizing'), createdAt: LessThan(cutoff) },
      take: 500,
    });
    for (const { paymentId } of stuck) await this.enqueue(paymentId);
    return stuck.length;
  }

  private async enqueue(paymentId: string): Promise<void> {
    // Same job id for the same payment: adding it again while it exists changes nothing.
    await this.cardQueue.add(
      'authorize',
      { paymentId },
      {
        jobId: cardJobId(paymentId),
        attempts: CARD_AUTHORIZATION_ATTEMPTS,
        backoff: { type: 'exponential', delay: CARD_AUTHORIZATION_BACKOFF_MS },
        removeOnComplete: 1000,
        removeOnFail: true,
      },
    );
  }

  private async approve(
    manager: EntityManager,
    payment: SettlementPaymentEntity,
    authorizationId: string,
  ): Promise<void> {
    const now = await this.clock.now();
    await manager.update(
      SettlementPaymentEntity,
      { paymentId: payment.paymentId },
      { status: 'scheduled', authorizationId, statusChangedAt: now },
    );
    await this.outbox.add(manager, {
      type: 'payment.scheduled',
      customerId: payment.customerId,
      subject: payment.paymentId,
      correlationId: payment.correlationId,
      data: {
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        method: publicMethodOf(payment),
        expectedPostingDate: payment.postingDate,
        status: 'scheduled',
      },
    });
    this.logger.log(`payment ${payment.paymentId}: card approved (${authorizationId})`);
    // Card posts on the submission's business day (N=0). Approved on that day (New York date), it
    // posts now; approved earlier (a weekend or after-cutoff submission), the posting job waits.
    const localToday = localDateTimeOf(now).date;
    if (payment.postingDate <= localToday) {
      await this.postings.postLocked(manager, { ...payment, status: 'scheduled' }, payment.postingDate);
      return;
    }
    afterCommit(
      manager,
      () =>
        this.postingQueue.add(
          'post',
          { paymentId: payment.paymentId },
          postingJobOptions(payment.paymentId, payment.postingDate, now),
        ),
      (error) =>
        this.logger.warn(
          `payment ${payment.paymentId}: posting job not added (${error instanceof Error ? error.message : String(error)}); the sweep will post it`,
        ),
    );
  }

  private async fail(
    manager: EntityManager,
    payment: SettlementPaymentEntity,
    code: string,
    reason: string,
  ): Promise<void> {
    await failPayment(this.outbox, manager, payment, { code, reason, at: await this.clock.now() });
    this.logger.log(`payment ${payment.paymentId}: card payment failed (${code}: ${reason})`);
  }
}
