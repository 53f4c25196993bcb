import { Injectable, Logger } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused, Outbox } from '@remit/messaging';
import { allocatePayment } from '@remit/money';
import { CustomerEntity } from '../customers/customer.entity';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { LedgerService } from '../ledger/ledger.service';
import { PaymentApplicationEntity } from './payment-application.entity';
import { PendingPaymentEntity } from './pending-payment.entity';

/**
 * Invoice's side of the payment flow (docs/architecture.md, flow 1): submitted money is pending; posted money is
 * applied to the chosen invoices and any leftover becomes customer credit, in one transaction with
 * the ledger journal and the outgoing events.
 */
@Injectable()
export class ApplyPaymentService {
  private readonly logger = new Logger(ApplyPaymentService.name);

  constructor(
    private readonly outbox: Outbox,
    private readonly ledger: LedgerService,
    private readonly invoices: InvoicesService,
  ) {}

  async recordSubmitted(event: CloudEvent<'payment.submitted'>, manager: EntityManager): Promise<void> {
    const { paymentId, customerId, amountCents, submittedAt } = event.data;
    // A posted event may overtake its submitted event (they travel on different topics).
    await manager
      .createQueryBuilder()
      .insert()
      .into(PendingPaymentEntity)
      .values({ paymentId, customerId, amountCents, status: 'pending', submittedAt: new Date(submittedAt) })
      .orIgnore()
      .execute();
    this.logger.log(`payment ${paymentId} pending for ${customerId}: ${amountCents} cents`);
  }

  async applyPosted(event: CloudEvent<'payment.posted'>, manager: EntityManager): Promise<void> {
    const { paymentId, customerId, amountCents } = event.data;
    const customer = await manager.findOne(CustomerEntity, {
      where: { customerId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!customer) {
      throw new EventRefused(
        'CUSTOMER.UNKNOWN',
        `payment ${paymentId} posted for unknown customer ${customerId}`,
      );
    }

    const alreadyApplied = await manager.countBy(PaymentApplicationEntity, { paymentId });
    if (alreadyApplied > 0) {
      this.logger.warn(`payment ${paymentId} was already applied; ignoring the repeated posting`);
      return;
    }

    const invoiceIds = event.data.invoices.map((invoice) => invoice.invoiceId);
    const invoices = await manager.find(InvoiceEntity, {
      where: { invoiceId: In(invoiceIds), customerId },
      lock: { mode: 'pessimistic_write' },
      order: { invoiceId: 'ASC' },
    });
    const byId = new Map(invoices.map((invoice) => [invoice.invoiceId, invoice]));
    // An amount asked for an invoice that has since been paid down is capped at what it still owes:
    // the rest becomes credit, so no invoice is over-applied and no cent is lost.
    const explicit = event.data.invoices
      .filter((requested) => byId.has(requested.invoiceId))
      .map((requested) => {
        const invoice = byId.get(requested.invoiceId)!;
        const wanted = requested.amountCents ?? invoice.amountDueCents;
        return { invoiceId: invoice.invoiceId, amountCents: Math.min(wanted, invoice.amountDueCents) };
      })
      .filter((application) => application.amountCents > 0);
    const allocation = allocatePayment({
      amountCents,
      invoices: invoices.map((invoice) => ({
        invoiceId: invoice.invoiceId,
        dueDate: invoice.dueDate,
        invoiceDate: invoice.invoiceDate,
        amountDueCents: invoice.amountDueCents,
      })),
      explicit,
    });

    for (const application of allocation.applications) {
      const invoice = byId.get(application.invoiceId)!;
      invoice.amountDueCents -= application.amountCents;
      invoice.status = invoice.amountDueCents === 0 ? 'paid' : 'open';
      invoice.version += 1; // the row is locked (pessimistic_write above)
      await manager.update(
        InvoiceEntity,
        { invoiceId: invoice.invoiceId },
        { amountDueCents: invoice.amountDueCents, status: invoice.status, version: invoice.version },
      );
      await manager.insert(PaymentApplicationEntity, {
        paymentId,
        invoiceId: invoice.invoiceId,
        customerId,
        amountCents: application.amountCents,
      });
      await this.invoices.publishSnapshot(manager, invoice, 'invoice.balance-changed');
    }
    if (allocation.creditCents > 0) {
      await manager.increment(CustomerEntity, { customerId }, 'creditBalanceCents', allocation.creditCents);
    }
    const appliedCents = amountCents - allocation.creditCents;
    await this.ledger.record(manager, {
      journalId: `payment:${paymentId}`,
      customerId,
      memo: `Payment ${paymentId} posted ${event.data.postingDate}`,
      lines: [
        { account: 'cash_clearing', debitCents: amountCents },
        ...(appliedCents > 0 ? [{ account: 'accounts_receivable' as const, creditCents: appliedCents }] : []),
        ...(allocation.creditCents > 0
          ? [{ account: 'customer_credit' as const, creditCents: allocation.creditCents }]
          : []),
      ],
    });
    await manager
      .createQueryBuilder()
      .insert()
      .into(PendingPaymentEntity)
      .values({
        paymentId,
        customerId,
        amountCents,
        status: 'posted',
        submittedAt: new Date(event.data.postedAt),
      })
      .orUpdate(['status'], ['payment_id'])
      .execute();
    await this.outbox.add(manager, {
      type: 'payment.applied',
      customerId,
      subject: paymentId,
      correlationId: event.correlationid,
      data: {
        paymentId,
        customerId,
        customerName: customer.name,
        customerEmail: customer.email,
        amountCents,
        applications: allocation.applications.map((application) => ({
          ...application,
          invoiceNumber: byId.get(application.invoiceId)!.invoiceNumber,
        })),
        creditCents: allocation.creditCents,
        postingDate: event.data.postingDate,
      },
    });
    this.logger.log(
      `payment ${paymentId} applied for ${customerId}: ${appliedCents} cents to ${allocation.applications.length} invoice(s), ${allocation.creditCents} cents credit`,
    );
  }
}
