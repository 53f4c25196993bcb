import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { addBusinessDays, POSTING_BUSINESS_DAYS } from '@remit/calendar';
import type { CloudEvent } from '@remit/contracts';
import { Outbox } from '@remit/messaging';
import { afterCommit } from '@remit/persistence';
import { Clock } from '@remit/platform';
import { AchEntriesService } from '../origination/ach-entries.service';
import { SettlementPaymentEntity } from './settlement-payment.entity';
import { delayUntilPostingDate, POSTING_QUEUE, postingJobId, type PostingJob } from './posting-queue';

/** Flow 1: a submitted payment gets its posting date and a delayed BullMQ job that will post it. */
@Injectable()
export class SchedulePaymentService {
  private readonly logger = new Logger(SchedulePaymentService.name);

  constructor(
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    @InjectQueue(POSTING_QUEUE) private readonly queue: Queue<PostingJob>,
    private readonly achEntries: AchEntriesService,
  ) {}

  async onSubmitted(event: CloudEvent<'payment.submitted'>, manager: EntityManager): Promise<void> {
    const payment = event.data;
    await this.achEntries.record(event, manager);
    if (payment.method.type !== 'ach') {
      this.logger.warn(
        `payment ${payment.paymentId}: ${payment.method.type} payments are not scheduled here yet`,
      );
      return;
    }
    const postingDate = addBusinessDays(payment.businessDate, POSTING_BUSINESS_DAYS.ach);
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(SettlementPaymentEntity)
      .values({
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        methodType: payment.method.type,
        last4: payment.method.last4 ?? null,
        invoices: payment.invoices,
        businessDate: payment.businessDate,
        postingDate,
        status: 'scheduled',
        correlationId: event.correlationid,
        postedAt: null,
      })
      .orIgnore()
      .returning(['payment_id'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) {
      this.logger.warn(`payment ${payment.paymentId} is already scheduled`);
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
        method: payment.method,
        expectedPostingDate: postingDate,
      },
    });
    // The job only triggers posting; the row above is the truth. It is added once that row has
    // committed, so a job never fires for a payment that does not exist; if adding it fails (Redis
    // down), the sweep (PostPaymentService.sweep) posts the payment when its date comes.
    const delay = delayUntilPostingDate(postingDate, await this.clock.now());
    afterCommit(
      manager,
      () =>
        this.queue.add(
          'post',
          { paymentId: payment.paymentId },
          {
            jobId: postingJobId(payment.paymentId),
            delay,
            attempts: 10,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: 1000,
            removeOnFail: 5000,
          },
        ),
      (error) =>
        this.logger.warn(
          `payment ${payment.paymentId}: posting job not added (${error instanceof Error ? error.message : String(error)}); the sweep will post it`,
        ),
    );
    this.logger.log(
      `payment ${payment.paymentId} scheduled to post ${postingDate} (job in ${Math.round(delay / 1000)}s)`,
    );
  }
}
