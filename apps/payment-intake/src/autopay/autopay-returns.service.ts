import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, In, type EntityManager } from 'typeorm';
import { MAX_REPRESENTMENTS, REPRESENTMENT_WINDOW_DAYS, mayRepresent } from '@remit/ach';
import { addBusinessDays, localDateTimeOf } from '@remit/calendar';
import type { CloudEvent, EventData } from '@remit/contracts';
import { Outbox } from '@remit/messaging';
import { Clock, REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { InvoiceViewEntity } from '../invoice-view/invoice-view.entity';
import { PaymentMethodEntity } from '../payment-methods/payment-method.entity';
import { PaymentEntity } from '../payments/payment.entity';
import { SubmitPaymentService } from '../payments/submit-payment.service';
import { AutopayEnrolmentEntity } from './autopay-enrolment.entity';
import { AUTOPAY_RUN_HOUR, calendarDaysBetween, newYorkInstant } from './autopay-dates';
import { AutopayPaymentEntity, AutopayRepresentmentEntity } from './autopay-records.entity';

/** BullMQ queue of the autopay runs (job scheduler) and the delayed re-presentments. */
export const AUTOPAY_QUEUE = 'intake-autopay';
export const REPRESENT_JOB = 'represent';

export interface RepresentJobData {
  originalPaymentId: string;
  attempt: number;
}

/** One job per original debit and attempt, whoever schedules it and however often. */
export function representJobId(originalPaymentId: string, attempt: number): string {
  return `represent-${originalPaymentId}-${attempt}`;
}

type Returned = EventData<'payment.returned'>;

/**
 * Returns of autopay debits (docs/architecture.md, flow 2 and 3). R01/R09: re-presented at most twice
 * within 180 days of the original (libs/ach `mayRepresent`), the configured number of business days
 * later, by a delayed job; account-level codes: the method is disabled (PaymentMethodsService) and the
 * enrolment suspended; a revoked authorisation cancels the enrolment. The customer is told each time
 * (`autopay.failed`). A re-presentment is a new payment linked to the original; it never adds a fee.
 */
@Injectable()
export class AutopayReturnsService {
  private readonly logger = new Logger(AutopayReturnsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly submit: SubmitPaymentService,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
    @InjectQueue(AUTOPAY_QUEUE) private readonly queue: Queue,
  ) {}

  /** `payment.returned`, in the inbox's transaction, after PaymentMethodsService has seen it. */
  async onReturned(event: CloudEvent<'payment.returned'>, manager: EntityManager): Promise<void> {
    const data = event.data;
    const debit = await manager.findOneBy(AutopayPaymentEntity, { paymentId: data.paymentId });
    if (!debit) return;
    switch (data.returnClass) {
      case 're-presentable':
        return this.onRepresentable(manager, event, debit);
      case 'account-level':
        return this.endEnrolment(manager, event, debit, 'suspended', 'AUTOPAY.SUSPENDED');
      case 'authorization-revoked':
        return this.endEnrolment(manager, event, debit, 'canceled', 'AUTOPAY.CANCELED');
      case 'other':
        await this.tell(manager, event, 'AUTOPAY.DEBIT_RETURNED', describe(data), debit);
    }
  }

  private async onRepresentable(
    manager: EntityManager,
    event: CloudEvent<'payment.returned'>,
    debit: AutopayPaymentEntity,
  ): Promise<void> {
    const data = event.data;
    const presentOn = addBusinessDays(data.businessDate, this.config.autopay.representAfterBusinessDays);
    const daysSinceOriginal = Math.max(0, calendarDaysBetween(debit.originalBusinessDate, presentOn));
    if (!mayRepresent(data.returnCode, debit.attempt, daysSinceOriginal)) {
      const reason =
        debit.attempt >= MAX_REPRESENTMENTS
          ? `${describe(data)}; already presented again ${MAX_REPRESENTMENTS} times, so it is not presented again`
          : `${describe(data)}; more than ${REPRESENTMENT_WINDOW_DAYS} days after the original debit, so it is not presented again`;
      await this.tell(manager, event, 'AUTOPAY.NOT_REPRESENTED', reason, debit);
      return;
    }
    const attempt = debit.attempt + 1;
    await manager
      .createQueryBuilder()
      .insert()
      .into(AutopayRepresentmentEntity)
      .values({
        originalPaymentId: debit.originalPaymentId,
        attempt,
        customerId: debit.customerId,
        returnedPaymentId: debit.paymentId,
        returnCode: data.returnCode,
        presentOn,
        status: 'scheduled',
      })
      .orIgnore()
      .execute();
    const now = await this.clock.now();
    const delay = Math.max(0, newYorkInstant(presentOn, AUTOPAY_RUN_HOUR).getTime() - now.getTime());
    // Before the commit: if Redis is down the event is retried; the job id makes a retry add nothing,
    // and a job that runs before the row is committed fails and is retried (attempts, backoff).
    await this.queue.add(
      REPRESENT_JOB,
      { originalPaymentId: debit.originalPaymentId, attempt } satisfies RepresentJobData,
      {
        jobId: representJobId(debit.originalPaymentId, attempt),
        delay,
        attempts: 5,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
    this.logger.log(
      `autopay debit ${debit.paymentId} returned ${data.returnCode}: re-presentment ${attempt} of ${debit.originalPaymentId} on ${presentOn}`,
    );
  }

  /** An unusable account (suspend) or a revoked authorisation (cancel): the customer is told. */
  private async endEnrolment(
    manager: EntityManager,
    event: CloudEvent<'payment.returned'>,
    debit: AutopayPaymentEntity,
    status: 'suspended' | 'canceled',
    code: string,
  ): Promise<void> {
    const data = event.data;
    const reason = describe(data);
    await manager.update(
      AutopayEnrolmentEntity,
      {
        customerId: debit.customerId,
        status: In(status === 'canceled' ? ['active', 'suspended'] : ['active']),
      },
      { status, suspendedReason: reason },
    );
    // Nothing more is presented on an account that is gone or an authorisation that was withdrawn.
    await manager.update(
      AutopayRepresentmentEntity,
      { originalPaymentId: debit.originalPaymentId, status: 'scheduled' },
      { status: 'not-presented', reason },
    );
    await this.tell(
      manager,
      event,
      code,
      `${reason}; autopay is ${status === 'canceled' ? 'canceled' : 'suspended'}`,
      debit,
    );
    this.logger.warn(`autopay of ${debit.customerId} ${status} by return ${data.returnCode}`);
  }

  /** The delayed job: presents the debit again, unless something since made that wrong. */
  async represent(job: RepresentJobData): Promise<{ paymentId?: string; skipped?: string }> {
    const now = await this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const planned = await manager.findOne(AutopayRepresentmentEntity, {
        where: { originalPaymentId: job.originalPaymentId, attempt: job.attempt },
        lock: { mode: 'pessimistic_write' },
      });
      if (!planned) {
        // The return's transaction has not committed (yet): fail, so that BullMQ tries again later.
        throw new Error(`re-presentment ${job.attempt} of ${job.originalPaymentId} is not recorded (yet)`);
      }
      if (planned.status !== 'scheduled') {
        return { skipped: `re-presentment ${job.attempt} of ${job.originalPaymentId} is ${planned.status}` };
      }
      const skip = async (reason: string, tell: boolean) => {
        await manager.update(
          AutopayRepresentmentEntity,
          { originalPaymentId: planned.originalPaymentId, attempt: planned.attempt },
          { status: 'not-presented', reason },
        );
        if (tell) {
          await this.outbox.add(manager, {
            type: 'autopay.failed',
            customerId: planned.customerId,
            subject: planned.customerId,
            data: {
              customerId: planned.customerId,
              runDate: localDateTimeOf(now).date,
              code: 'AUTOPAY.NOT_REPRESENTED',
              reason,
              paymentId: planned.returnedPaymentId,
            },
          });
        }
        this.logger.warn(`re-presentment ${planned.attempt} of ${planned.originalPaymentId}: ${reason}`);
        return { skipped: reason };
      };
      const original = await manager.findOneByOrFail(PaymentEntity, { paymentId: planned.originalPaymentId });
      const method = original.paymentMethodId
        ? await manager.findOneBy(PaymentMethodEntity, { paymentMethodId: original.paymentMethodId })
        : null;
      if (!method || method.status !== 'active') {
        return skip('the saved payment method can no longer be used', true);
      }
      // The same amount on the same invoices (a re-presentment is the same entry again); if the
      // customer has paid since, there is nothing to present.
      const invoiceIds = original.invoices.map((invoice) => invoice.invoiceId);
      const invoices = await manager.find(InvoiceViewEntity, {
        where: { invoiceId: In(invoiceIds), customerId: original.customerId },
        lock: { mode: 'pessimistic_write' },
      });
      const inFlight = await this.submit.amountsInFlight(manager, original.customerId);
      const payable = new Map(
        invoices
          .filter((invoice) => invoice.status === 'open')
          .map((invoice) => [
            invoice.invoiceId,
            invoice.amountDueCents - (inFlight.get(invoice.invoiceId) ?? 0),
          ]),
      );
      if (original.invoices.some((item) => (payable.get(item.invoiceId) ?? 0) < item.amountCents)) {
        return skip('the invoices were paid or changed since the return', false);
      }
      const payment = await this.submit.submitInTransaction(
        manager,
        {
          customerId: original.customerId,
          invoices: original.invoices.map((item) => ({ ...item })),
          method: { type: 'saved', paymentMethodId: method.paymentMethodId },
        },
        now,
        { origin: 'representment', originalPaymentId: original.paymentId },
      );
      await manager.insert(AutopayPaymentEntity, {
        paymentId: payment.paymentId,
        customerId: original.customerId,
        origin: 'representment',
        originalPaymentId: original.paymentId,
        attempt: planned.attempt,
        originalBusinessDate: original.businessDate,
      });
      await manager.update(
        AutopayRepresentmentEntity,
        { originalPaymentId: planned.originalPaymentId, attempt: planned.attempt },
        { status: 'submitted', paymentId: payment.paymentId },
      );
      this.logger.log(
        `re-presentment ${planned.attempt} of ${original.paymentId}: payment ${payment.paymentId} of ${payment.amountCents} cents`,
      );
      return { paymentId: payment.paymentId };
    });
  }

  private async tell(
    manager: EntityManager,
    event: CloudEvent<'payment.returned'>,
    code: string,
    reason: string,
    debit: AutopayPaymentEntity,
  ): Promise<void> {
    await this.outbox.add(manager, {
      type: 'autopay.failed',
      customerId: debit.customerId,
      subject: debit.customerId,
      correlationId: event.correlationid,
      data: {
        customerId: debit.customerId,
        runDate: event.data.businessDate,
        code,
        reason,
        paymentId: debit.paymentId,
        ...(event.data.paymentMethodId ? { paymentMethodId: event.data.paymentMethodId } : {}),
      },
    });
  }
}

function describe(data: Returned): string {
  return `the autopay debit was returned ${data.returnCode} (${data.returnDescription})`;
}
