import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { addBusinessDays, type BusinessDate } from '@remit/calendar';
import { Outbox, qualifiedTableName } from '@remit/messaging';
import { Clock, REMIT_CONFIG, parseWith, type RemitConfig } from '@remit/platform';
import { InvoiceViewEntity } from '../invoice-view/invoice-view.entity';
import { PaymentMethodEntity } from '../payment-methods/payment-method.entity';
import { MAX_INVOICES_PER_PAYMENT } from '../payments/payment-request.schema';
import { SubmitPaymentService } from '../payments/submit-payment.service';
import { AutopayEnrolmentEntity } from './autopay-enrolment.entity';
import { autopayDateOf } from './autopay-dates';
import { AutopayPaymentEntity, AutopayReminderEntity, AutopayRunEntity } from './autopay-records.entity';
import { autopayRunSchema } from './autopay-request.schema';

/** What one run did, customer by customer (the response of POST /v1/autopay/runs). */
export interface AutopayRunResult {
  runDate: BusinessDate;
  paid: { customerId: string; paymentId: string; amountCents: number }[];
  skipped: { customerId: string; reason: string }[];
  reminded: { customerId: string; autopayDate: BusinessDate; amountCents: number }[];
}

/** An open invoice the customer still owes something on, net of the money already in flight for it. */
interface PayableInvoice {
  invoice: InvoiceViewEntity;
  autopayDate: BusinessDate;
  payableCents: number;
}

/** `autopay:<customerId>:<runDate>`: one run's payment, whoever runs it and however often. */
export function autopayIdempotencyKey(customerId: string, runDate: BusinessDate): string {
  return `autopay:${customerId}:${runDate}`;
}

/**
 * The autopay run of a date (docs/architecture.md, flow 3), used by the daily job scheduler and by
 * POST /v1/autopay/runs. Per active enrolment, in one transaction holding the enrolment's row lock:
 * the open invoices whose autopay date is on or before the run date, less what payments in flight
 * already cover, are paid as one payment with the saved method. The `autopay_runs` row (unique per
 * customer and run date, and per idempotency key) is written in the same transaction, so two runs of
 * one date, or two workers at once, make one payment. The same pass sends the reminders
 * (`autopay.upcoming`) of autopay dates within the configured lead, once per customer and date.
 */
@Injectable()
export class AutopayRunService {
  private readonly logger = new Logger(AutopayRunService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly submit: SubmitPaymentService,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  /** POST /v1/autopay/runs `{runDate}`. */
  runRequested(rawBody: unknown): Promise<AutopayRunResult> {
    const request = parseWith(autopayRunSchema, rawBody);
    return this.run(request.runDate, request.customerId);
  }

  /** The run of `runDate` for every active enrolment, or only for `customerId`. */
  async run(runDate: BusinessDate, customerId?: string): Promise<AutopayRunResult> {
    const result: AutopayRunResult = { runDate, paid: [], skipped: [], reminded: [] };
    const customers = await this.dataSource.getRepository(AutopayEnrolmentEntity).find({
      where: { status: 'active', ...(customerId === undefined ? {} : { customerId }) },
      select: { customerId: true },
      order: { customerId: 'ASC' },
    });
    for (const enrolled of customers) {
      try {
        const now = await this.clock.now();
        await this.dataSource.transaction((manager) =>
          this.runCustomer(manager, enrolled.customerId, runDate, now, result),
        );
      } catch (error) {
        // One customer's failure never stops the others; the next run (or a rerun) tries again.
        const reason = error instanceof Error ? error.message : String(error);
        result.skipped.push({ customerId: enrolled.customerId, reason: `error: ${reason}` });
        this.logger.error(`autopay run ${runDate} for ${enrolled.customerId} failed: ${reason}`);
      }
    }
    this.logger.log(
      `autopay run ${runDate}: ${result.paid.length} paid, ${result.skipped.length} skipped, ${result.reminded.length} reminded`,
    );
    return result;
  }

  private async runCustomer(
    manager: EntityManager,
    customerId: string,
    runDate: BusinessDate,
    now: Date,
    result: AutopayRunResult,
  ): Promise<void> {
    // The enrolment's row lock serialises two workers on one customer.
    const enrolment = await manager.findOne(AutopayEnrolmentEntity, {
      where: { customerId, status: 'active' },
      lock: { mode: 'pessimistic_write' },
    });
    if (!enrolment) return;
    const payable = await this.payableInvoices(manager, enrolment);
    const method = await manager.findOneBy(PaymentMethodEntity, {
      paymentMethodId: enrolment.paymentMethodId,
      customerId,
    });
    // The earliest first; what one payment cannot carry is paid by the next run.
    const due = payable.filter((entry) => entry.autopayDate <= runDate).slice(0, MAX_INVOICES_PER_PAYMENT);
    if (due.length > 0) {
      const already = await manager.existsBy(AutopayRunEntity, { customerId, runDate });
      if (already) {
        result.skipped.push({ customerId, reason: `already run for ${runDate}` });
      } else if (!method || method.status !== 'active') {
        await this.methodUnusable(manager, enrolment, method, runDate, result);
        return;
      } else {
        await this.pay(manager, enrolment, method, due, runDate, now, result);
      }
    }
    if (method?.status === 'active') {
      await this.remind(manager, enrolment, method, payable, runDate, result);
    }
  }

  private async pay(
    manager: EntityManager,
    enrolment: AutopayEnrolmentEntity,
    method: PaymentMethodEntity,
    due: PayableInvoice[],
    runDate: BusinessDate,
    now: Date,
    result: AutopayRunResult,
  ): Promise<void> {
    const { customerId } = enrolment;
    const idempotencyKey = autopayIdempotencyKey(customerId, runDate);
    const claimed: unknown[] = await manager.query(
      `INSERT INTO ${qualifiedTableName(manager.connection, AutopayRunEntity)}
         (customer_id, run_date, idempotency_key, outcome) VALUES ($1, $2, $3, 'paid')
       ON CONFLICT DO NOTHING RETURNING customer_id`,
      [customerId, runDate, idempotencyKey],
    );
    if (claimed.length === 0) {
      result.skipped.push({ customerId, reason: `already run for ${runDate}` });
      return;
    }
    const payment = await this.submit.submitInTransaction(
      manager,
      {
        customerId,
        invoices: due.map((entry) => ({
          invoiceId: entry.invoice.invoiceId,
          amountCents: entry.payableCents,
        })),
        method: { type: 'saved', paymentMethodId: method.paymentMethodId },
      },
      now,
      { origin: 'autopay' },
    );
    await manager.update(AutopayRunEntity, { customerId, runDate }, { paymentId: payment.paymentId });
    await manager.insert(AutopayPaymentEntity, {
      paymentId: payment.paymentId,
      customerId,
      origin: 'autopay',
      originalPaymentId: payment.paymentId,
      attempt: 0,
      originalBusinessDate: payment.businessDate,
    });
    result.paid.push({ customerId, paymentId: payment.paymentId, amountCents: payment.amountCents });
    this.logger.log(
      `autopay ${idempotencyKey}: payment ${payment.paymentId} of ${payment.amountCents} cents for ${due.length} invoice(s), method ending ${method.last4}`,
    );
  }

  /** A disabled or removed method: the customer is skipped, told once, and the enrolment suspended. */
  private async methodUnusable(
    manager: EntityManager,
    enrolment: AutopayEnrolmentEntity,
    method: PaymentMethodEntity | null,
    runDate: BusinessDate,
    result: AutopayRunResult,
  ): Promise<void> {
    const { customerId } = enrolment;
    const claimed: unknown[] = await manager.query(
      `INSERT INTO ${qualifiedTableName(manager.connection, AutopayRunEntity)}
         (customer_id, run_date, idempotency_key, outcome) VALUES ($1, $2, $3, 'method-disabled')
       ON CONFLICT DO NOTHING RETURNING customer_id`,
      [customerId, runDate, autopayIdempotencyKey(customerId, runDate)],
    );
    if (claimed.length === 0) return;
    const reason = method?.disabledReason
      ? `the payment method ending ${method.last4} is disabled: ${method.disabledReason}`
      : 'the payment method of the enrolment can no longer be used';
    await manager.update(
      AutopayEnrolmentEntity,
      { customerId, status: 'active' },
      { status: 'suspended', suspendedReason: reason },
    );
    await this.outbox.add(manager, {
      type: 'autopay.failed',
      customerId,
      subject: customerId,
      data: {
        customerId,
        runDate,
        code: 'AUTOPAY.METHOD_DISABLED',
        reason,
        paymentMethodId: enrolment.paymentMethodId,
      },
    });
    result.skipped.push({ customerId, reason });
    this.logger.warn(`autopay run ${runDate} skipped ${customerId}: ${reason}`);
  }

  /** `autopay.upcoming` for each autopay date after the run date and within the lead, once each. */
  private async remind(
    manager: EntityManager,
    enrolment: AutopayEnrolmentEntity,
    method: PaymentMethodEntity,
    payable: PayableInvoice[],
    runDate: BusinessDate,
    result: AutopayRunResult,
  ): Promise<void> {
    const horizon = addBusinessDays(runDate, this.config.autopay.reminderBusinessDays);
    const byDate = new Map<BusinessDate, PayableInvoice[]>();
    for (const entry of payable) {
      if (entry.autopayDate <= runDate || entry.autopayDate > horizon) continue;
      byDate.set(entry.autopayDate, [...(byDate.get(entry.autopayDate) ?? []), entry]);
    }
    const { customerId } = enrolment;
    for (const [autopayDate, entries] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) {
      const amountCents = entries.reduce((sum, entry) => sum + entry.payableCents, 0);
      const recorded: unknown[] = await manager.query(
        `INSERT INTO ${qualifiedTableName(manager.connection, AutopayReminderEntity)}
           (customer_id, autopay_date, reminded_on, amount_cents) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING customer_id`,
        [customerId, autopayDate, runDate, amountCents],
      );
      if (recorded.length === 0) continue;
      await this.outbox.add(manager, {
        type: 'autopay.upcoming',
        customerId,
        subject: customerId,
        data: {
          customerId,
          paymentMethodId: method.paymentMethodId,
          last4: method.last4,
          runDate: autopayDate,
          amountCents,
          invoices: entries.map((entry) => ({
            invoiceId: entry.invoice.invoiceId,
            invoiceNumber: entry.invoice.invoiceNumber,
            amountCents: entry.payableCents,
          })),
        },
      });
      result.reminded.push({ customerId, autopayDate, amountCents });
    }
  }

  /** The customer's open invoices (locked), each with its autopay date and what is left to pay on it. */
  private async payableInvoices(
    manager: EntityManager,
    enrolment: AutopayEnrolmentEntity,
  ): Promise<PayableInvoice[]> {
    const invoices = await manager.find(InvoiceViewEntity, {
      where: { customerId: enrolment.customerId, status: 'open' },
      order: { dueDate: 'ASC', invoiceId: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    const inFlight = await this.submit.amountsInFlight(manager, enrolment.customerId);
    return invoices
      .map((invoice) => ({
        invoice,
        autopayDate: autopayDateOf(invoice.dueDate, enrolment.daysBeforeDue),
        payableCents: invoice.amountDueCents - (inFlight.get(invoice.invoiceId) ?? 0),
      }))
      .filter((entry) => entry.payableCents > 0);
  }
}
