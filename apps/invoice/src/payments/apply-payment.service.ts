import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent, EventType } from '@remit/contracts';
import { EventRefused, Outbox, qualifiedTableName, type OutboxEventInput } from '@remit/messaging';
import { allocateRequested } from '@remit/money';
import { SqlParameters } from '@remit/persistence';
import { CreditService } from '../credit/credit.service';
import { InvoicesService } from '../invoices/invoices.service';
import { JournalEntity } from '../ledger/journal.entity';
import { LedgerService } from '../ledger/ledger.service';
import { PaymentApplicationEntity } from './payment-application.entity';
import { PaymentReversalEntity } from './payment-reversal.entity';
import { PendingPaymentEntity, type PendingPaymentStatus } from './pending-payment.entity';

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
    private readonly credit: CreditService,
  ) {}

  async recordSubmitted(event: CloudEvent<'payment.submitted'>, manager: EntityManager): Promise<void> {
    const { paymentId, customerId, amountCents, submittedAt, originalPaymentId } = event.data;
    // A posted (or canceled) event may overtake its submitted event (they travel on different topics).
    await manager.query(
      `INSERT INTO invoice.pending_payments (payment_id, customer_id, amount_cents, status, submitted_at, original_payment_id)
       VALUES ($1, $2, $3, 'pending', $4, $5)
       ON CONFLICT (payment_id) DO UPDATE SET original_payment_id = EXCLUDED.original_payment_id`,
      [paymentId, customerId, amountCents, new Date(submittedAt), originalPaymentId ?? null],
    );
    this.logger.log(`payment ${paymentId} pending for ${customerId}: ${amountCents} cents`);
  }

  /** A canceled, failed or expired payment is no longer pending money (and never becomes pending again). */
  async recordEnded(
    event: CloudEvent<'payment.canceled'> | CloudEvent<'payment.failed'> | CloudEvent<'payment.expired'>,
    manager: EntityManager,
  ): Promise<void> {
    const { paymentId, customerId, amountCents } = event.data;
    const status: PendingPaymentStatus =
      event.type === 'payment.canceled' ? 'canceled' : event.type === 'payment.failed' ? 'failed' : 'expired';
    await manager.query(
      `INSERT INTO invoice.pending_payments (payment_id, customer_id, amount_cents, status, submitted_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (payment_id) DO UPDATE SET status = EXCLUDED.status
       WHERE invoice.pending_payments.status = 'pending'`,
      [paymentId, customerId, amountCents, status, new Date(event.time)],
    );
    this.logger.log(`payment ${paymentId} of ${customerId} is no longer pending (${status})`);
  }

  async applyPosted(event: CloudEvent<'payment.posted'>, manager: EntityManager): Promise<void> {
    const { paymentId, customerId, amountCents } = event.data;
    const customer = await this.invoices.lockCustomer(manager, customerId);
    if (!customer) {
      throw new EventRefused(
        'CUSTOMER.UNKNOWN',
        `payment ${paymentId} posted for unknown customer ${customerId}`,
      );
    }
    const journalId = `payment:${paymentId}`;
    // Row locks in a stable order (customer, then invoices by id): concurrent postings on one invoice
    // queue up, and each sees what the one before it left (CHECK amount_due_cents >= 0 backs it up).
    // The same statement looks for both reasons not to apply it: a journal or a reversal of this
    // payment is only written under the customer's lock, which this transaction holds now.
    const connection = manager.connection;
    const {
      invoices,
      answers: { applied: alreadyApplied, reversed },
    } = await this.invoices.lockInvoicesAsking(
      manager,
      customerId,
      event.data.invoices.map((invoice) => invoice.invoiceId).filter(isUuid),
      {
        applied: {
          sql: (id) =>
            `EXISTS (SELECT 1 FROM ${qualifiedTableName(connection, JournalEntity)} WHERE journal_id = ${id})`,
          value: journalId,
        },
        reversed: {
          sql: (id) =>
            `EXISTS (SELECT 1 FROM ${qualifiedTableName(connection, PaymentReversalEntity)} WHERE payment_id = ${id})`,
          value: paymentId,
        },
      },
    );
    if (alreadyApplied) {
      this.logger.warn(`payment ${paymentId} was already applied; ignoring the repeated posting`);
      return;
    }
    if (reversed) {
      // A posting replayed (from a dead-letter topic, say) after its return: the money is gone.
      this.logger.warn(`payment ${paymentId} was returned before its posting arrived; not applying it`);
      return;
    }
    const byId = new Map(invoices.map((invoice) => [invoice.invoiceId, invoice]));
    const allocation = allocateRequested(
      amountCents,
      invoices.map(({ invoiceId, dueDate, invoiceDate, amountDueCents }) => ({
        invoiceId,
        dueDate,
        invoiceDate,
        amountDueCents,
      })),
      event.data.invoices,
    );

    // The invoices' new amounts and their events, worked out first; written below with the rest.
    const changed = allocation.applications.map((application) => {
      const invoice = byId.get(application.invoiceId)!;
      const events = this.invoices.nextAmountDue(invoice, invoice.amountDueCents - application.amountCents);
      return { invoice, events };
    });
    if (allocation.creditCents > 0) {
      await this.credit.addLot(manager, customer, 'payment', paymentId, allocation.creditCents);
    }
    const appliedCents = amountCents - allocation.creditCents;
    const applied: OutboxEventInput<'payment.applied'> = {
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
    };
    // Every event of this transaction, in the order they happened.
    const events = this.outbox.prepare<EventType>([...changed.flatMap(({ events }) => events), applied]);
    // One statement writes it all: the invoices, the applications, the journal, the payment no longer
    // pending, and the events (CHECK amount_due_cents >= 0 and the journal's balance still hold).
    const parameters = new SqlParameters();
    const payment = parameters.add(paymentId);
    const customerParameter = parameters.add(customerId);
    const statement = `WITH ${this.invoices.amountDueWrites(
      connection,
      changed.map(({ invoice }) => invoice),
      parameters,
      'changed',
    )},
       applications AS (
         INSERT INTO ${qualifiedTableName(connection, PaymentApplicationEntity)}
                (payment_id, invoice_id, customer_id, amount_cents)
         SELECT ${payment}, application.invoice_id, ${customerParameter}, application.amount_cents
           FROM unnest(${parameters.add(allocation.applications.map((application) => application.invoiceId))}::uuid[],
                       ${parameters.add(allocation.applications.map((application) => application.amountCents))}::bigint[])
                  AS application (invoice_id, amount_cents)
         RETURNING 1),
       ${this.ledger.journalWrites(
         connection,
         {
           journalId,
           customerId,
           memo: `Payment ${paymentId} posted ${event.data.postingDate}`,
           lines: [
             { account: 'cash_clearing', debitCents: amountCents },
             ...(appliedCents > 0
               ? [{ account: 'accounts_receivable' as const, creditCents: appliedCents }]
               : []),
             ...(allocation.creditCents > 0
               ? [{ account: 'customer_credit' as const, creditCents: allocation.creditCents }]
               : []),
           ],
         },
         parameters,
         'journal',
       )},
       posted AS (
         INSERT INTO ${qualifiedTableName(connection, PendingPaymentEntity)}
                (payment_id, customer_id, amount_cents, status, submitted_at)
         VALUES (${payment}, ${customerParameter}, ${parameters.add(amountCents)}, 'posted',
                 ${parameters.add(new Date(event.data.postedAt))})
         ON CONFLICT (payment_id) DO UPDATE SET status = EXCLUDED.status
         RETURNING 1),
       announced AS (${events.insert(connection, parameters.addAll(events.parameters))} RETURNING 1)
       SELECT (SELECT count(*) FROM changed)::int AS invoices`;
    const [written] = await manager.query<{ invoices: number }[]>(statement, parameters.values);
    if (written.invoices !== changed.length) {
      throw new Error(`payment ${paymentId}: ${written.invoices} of ${changed.length} invoice(s) updated`);
    }
    this.outbox.written(manager);
    this.logger.log(
      `payment ${paymentId} applied for ${customerId}: ${appliedCents} cents to ${allocation.applications.length} invoice(s), ${allocation.creditCents} cents credit`,
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Invoice ids are uuids; anything else names no invoice (and must not reach a uuid column). */
function isUuid(value: string): boolean {
  return UUID.test(value);
}
