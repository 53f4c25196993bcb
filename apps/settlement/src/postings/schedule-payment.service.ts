import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { addBusinessDays, addCalendarDays, POSTING_BUSINESS_DAYS } from '@remit/calendar';
import type { CloudEvent, PaymentMethodType } from '@remit/contracts';
import { Outbox, qualifiedTableName } from '@remit/messaging';
import { afterCommit } from '@remit/persistence';
import { Clock, REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { CardAuthorizationService } from '../cards/card-authorization.service';
import { publicMethodOf } from './post-payment.service';
import { SettlementPaymentEntity, type SettlementStatus } from './settlement-payment.entity';
import { POSTING_QUEUE, postingJobOptions, type PostingJob } from './posting-queue';
import { AchEntriesService } from '../origination/ach-entries.service';

/** What settlement does with a submitted payment, by method (docs/architecture.md, "Business-day rules"). */
export interface PostingPlan {
  /** Business days after the submission's business day: ach/saved 2, wire 2, check 5, card 0. */
  businessDays: number;
  /**
   * `scheduled`: a delayed job posts it on its date (ach, saved). `awaiting_funds`: declared, posts
   * when its receipt arrives (check, wire). `authorizing`: the card processor answers first.
   */
  status: Extract<SettlementStatus, 'scheduled' | 'awaiting_funds' | 'authorizing'>;
}

export function postingPlanOf(method: PaymentMethodType): PostingPlan {
  switch (method) {
    case 'ach':
    case 'saved':
      return { businessDays: POSTING_BUSINESS_DAYS.ach, status: 'scheduled' };
    case 'wire':
      return { businessDays: POSTING_BUSINESS_DAYS.wire, status: 'awaiting_funds' };
    case 'check':
      return { businessDays: POSTING_BUSINESS_DAYS.check, status: 'awaiting_funds' };
    case 'card':
      return { businessDays: POSTING_BUSINESS_DAYS.card, status: 'authorizing' };
  }
}

/**
 * Flow 1: a submitted payment gets its posting date. ach and saved: a delayed BullMQ job posts it.
 * check and wire: `awaiting_funds` until a receipt matches (or it expires). card: authorised now.
 */
@Injectable()
export class SchedulePaymentService {
  private readonly logger = new Logger(SchedulePaymentService.name);

  constructor(
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    @InjectQueue(POSTING_QUEUE) private readonly queue: Queue<PostingJob>,
    private readonly cards: CardAuthorizationService,
    @Inject(REMIT_CONFIG) private readonly config: Pick<RemitConfig, 'declaredPaymentExpiryDays'>,
    private readonly achEntries: AchEntriesService,
  ) {}

  async onSubmitted(event: CloudEvent<'payment.submitted'>, manager: EntityManager): Promise<void> {
    const payment = event.data;
    await this.achEntries.record(event, manager);
    const method = payment.method.type;
    const plan = postingPlanOf(method);
    const postingDate = addBusinessDays(payment.businessDate, plan.businessDays);
    const now = await this.clock.now();
    const row: Omit<SettlementPaymentEntity, 'createdAt'> = {
      paymentId: payment.paymentId,
      customerId: payment.customerId,
      amountCents: payment.amountCents,
      methodType: method,
      last4: payment.method.last4 ?? null,
      invoices: payment.invoices,
      businessDate: payment.businessDate,
      postingDate,
      status: plan.status,
      correlationId: event.correlationid,
      postedAt: null,
      cardToken: method === 'card' ? (payment.method.cardToken ?? null) : null,
      authorizationId: null,
      failureCode: null,
      failureReason: null,
      expiresOn:
        plan.status === 'awaiting_funds'
          ? addCalendarDays(payment.businessDate, this.config.declaredPaymentExpiryDays)
          : null,
      statusChangedAt: now,
    };
    // Plain SQL: this runs for every payment, and TypeORM's insert builder cost more than it.
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO ${qualifiedTableName(manager.connection, SettlementPaymentEntity)}
              (payment_id, customer_id, amount_cents, method_type, last4, invoices, business_date, posting_date,
               status, correlation_id, posted_at, card_token, authorization_id, failure_code, failure_reason,
               expires_on, status_changed_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT DO NOTHING
       RETURNING payment_id`,
      [
        row.paymentId,
        row.customerId,
        row.amountCents,
        row.methodType,
        row.last4,
        JSON.stringify(row.invoices),
        row.businessDate,
        row.postingDate,
        row.status,
        row.correlationId,
        row.postedAt,
        row.cardToken,
        row.authorizationId,
        row.failureCode,
        row.failureReason,
        row.expiresOn,
        row.statusChangedAt,
      ],
    );
    if (inserted.length === 0) {
      this.logger.warn(`payment ${payment.paymentId} is already known to settlement`);
      return;
    }
    if (plan.status === 'authorizing') {
      if (row.cardToken === null) {
        await this.cards.failWithoutToken(manager, { ...row, createdAt: now });
        return;
      }
      this.cards.enqueueAfterCommit(manager, payment.paymentId);
      this.logger.log(`payment ${payment.paymentId}: card authorisation queued (posts ${postingDate})`);
      return;
    }
    await this.outbox.add(manager, {
      type: 'payment.scheduled',
      customerId: payment.customerId,
      subject: payment.paymentId,
      correlationId: event.correlationid,
      data: {
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        method: publicMethodOf(row),
        expectedPostingDate: postingDate,
        status: plan.status,
      },
    });
    if (plan.status === 'awaiting_funds') {
      this.logger.log(
        `payment ${payment.paymentId}: ${method} declared, awaiting funds (expected ${postingDate}, expires ${row.expiresOn})`,
      );
      return;
    }
    // The job only triggers posting; the row above is the truth. It is added once that row has
    // committed, so a job never fires for a payment that does not exist; if adding it fails (Redis
    // down), the sweep (PostPaymentService.sweep) posts the payment when its date comes.
    const options = postingJobOptions(payment.paymentId, postingDate, now);
    afterCommit(
      manager,
      () => this.queue.add('post', { paymentId: payment.paymentId }, options),
      (error) =>
        this.logger.warn(
          `payment ${payment.paymentId}: posting job not added (${error instanceof Error ? error.message : String(error)}); the sweep will post it`,
        ),
    );
    this.logger.log(
      `payment ${payment.paymentId} scheduled to post ${postingDate} (job in ${Math.round(options.delay / 1000)}s)`,
    );
  }
}
