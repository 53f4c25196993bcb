import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Outbox, qualifiedTableName, type OutboxEventInput } from '@remit/messaging';
import { centsTransformer, type SqlParameters } from '@remit/persistence';
import { AppError } from '@remit/platform';
import { CustomerEntity } from '../customers/customer.entity';
import { LedgerService } from '../ledger/ledger.service';
import { InvoiceEntity } from './invoice.entity';
import { InvoiceLineEntity } from './invoice-line.entity';
import type { InvoiceView } from './invoice.schema';

export function toInvoiceView(invoice: InvoiceEntity): InvoiceView {
  return {
    invoiceId: invoice.invoiceId,
    invoiceNumber: invoice.invoiceNumber,
    customerId: invoice.customerId,
    accountNumber: invoice.accountNumber,
    invoiceDate: invoice.invoiceDate,
    dueDate: invoice.dueDate,
    invoiceAmountCents: invoice.invoiceAmountCents,
    amountDueCents: invoice.amountDueCents,
    status: invoice.status,
  };
}

export interface NewInvoice {
  invoiceId?: string;
  invoiceNumber: string;
  customerId: string;
  accountNumber: string;
  invoiceDate: string;
  dueDate: string;
  /** Charges, credited to `revenue`. */
  lines: { description: string; amountCents: number }[];
  /** Fees billed on the invoice, printed after the charges; each is its own journal (`fee:<feeId>`). */
  feeLines?: { feeId: string; description: string; amountCents: number }[];
}

/**
 * The invoice book: invoices, their balances and snapshots. Every change of an invoice goes through
 * here, under the invoice's row lock, so its version grows by one per change and each change is announced.
 * Lock order everywhere (no deadlocks): the customer row first, then its invoices by invoice id.
 */
@Injectable()
export class InvoicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly ledger: LedgerService,
  ) {}

  // The locks below run in every payment's transaction: plain SQL, not TypeORM's query building,
  // which cost more CPU than the statement itself (docs/performance.md).

  async lockCustomer(manager: EntityManager, customerId: string): Promise<CustomerEntity | null> {
    const [row] = await manager.query<CustomerRow[]>(
      `SELECT ${CUSTOMER_COLUMNS} FROM ${qualifiedTableName(manager.connection, CustomerEntity)}
        WHERE customer_id = $1 FOR UPDATE`,
      [customerId],
    );
    return row ? customerOf(row) : null;
  }

  async lockOpenInvoices(manager: EntityManager, customerId: string): Promise<InvoiceEntity[]> {
    const rows = await manager.query<InvoiceRow[]>(
      `SELECT ${INVOICE_COLUMNS} FROM ${qualifiedTableName(manager.connection, InvoiceEntity)}
        WHERE customer_id = $1 AND status = 'open' ORDER BY invoice_id FOR UPDATE`,
      [customerId],
    );
    return rows.map(invoiceOf);
  }

  async lockInvoices(
    manager: EntityManager,
    customerId: string,
    invoiceIds: string[],
  ): Promise<InvoiceEntity[]> {
    if (invoiceIds.length === 0) return [];
    const rows = await manager.query<InvoiceRow[]>(
      `SELECT ${INVOICE_COLUMNS} FROM ${qualifiedTableName(manager.connection, InvoiceEntity)}
        WHERE invoice_id = ANY($1::uuid[]) AND customer_id = $2 ORDER BY invoice_id FOR UPDATE`,
      [invoiceIds, customerId],
    );
    return rows.map(invoiceOf);
  }

  /** Issues an invoice in the caller's transaction: its lines, its journal and `invoice.issued`. */
  async issue(manager: EntityManager, request: NewInvoice): Promise<InvoiceEntity> {
    const duplicate = await manager.findOneBy(InvoiceEntity, { invoiceNumber: request.invoiceNumber });
    if (duplicate) {
      throw AppError.conflict('INVOICE.ALREADY_EXISTS', `invoice ${request.invoiceNumber} already exists`);
    }
    const feeLines = request.feeLines ?? [];
    const chargesCents = request.lines.reduce((sum, line) => sum + line.amountCents, 0);
    const totalCents = chargesCents + feeLines.reduce((sum, line) => sum + line.amountCents, 0);
    const invoice = manager.create(InvoiceEntity, {
      invoiceId: request.invoiceId ?? randomUUID(),
      invoiceNumber: request.invoiceNumber,
      customerId: request.customerId,
      accountNumber: request.accountNumber,
      invoiceDate: request.invoiceDate,
      dueDate: request.dueDate,
      invoiceAmountCents: totalCents,
      amountDueCents: totalCents,
      status: 'open',
      version: 1,
    });
    await manager.insert(InvoiceEntity, invoice);
    await manager.insert(
      InvoiceLineEntity,
      [...request.lines, ...feeLines].map((line, index) => ({
        invoiceId: invoice.invoiceId,
        position: index + 1,
        description: line.description,
        amountCents: line.amountCents,
      })),
    );
    if (chargesCents !== 0) {
      await this.ledger.record(manager, {
        journalId: `invoice:${invoice.invoiceId}`,
        customerId: request.customerId,
        memo: `Invoice ${invoice.invoiceNumber}`,
        // A credit line (a negative charge) may net the charges below zero; each side stays positive.
        lines:
          chargesCents > 0
            ? [
                { account: 'accounts_receivable', debitCents: chargesCents },
                { account: 'revenue', creditCents: chargesCents },
              ]
            : [
                { account: 'revenue', debitCents: -chargesCents },
                { account: 'accounts_receivable', creditCents: -chargesCents },
              ],
      });
    }
    for (const fee of feeLines) {
      await this.ledger.record(manager, {
        journalId: `fee:${fee.feeId}`,
        customerId: request.customerId,
        memo: `${fee.description} on invoice ${invoice.invoiceNumber}`,
        lines: [
          { account: 'accounts_receivable', debitCents: fee.amountCents },
          { account: 'fee_revenue', creditCents: fee.amountCents },
        ],
      });
    }
    await this.publishSnapshot(manager, invoice, 'invoice.issued');
    return invoice;
  }

  /**
   * Sets what a locked invoice owes: its status follows (paid at zero, open above), its version grows,
   * and `invoice.balance-changed` (plus `invoice.paid` when it becomes paid) goes out in the same transaction.
   */
  async setAmountDue(manager: EntityManager, invoice: InvoiceEntity, amountDueCents: number): Promise<void> {
    await this.outbox.addMany(manager, await this.changeAmountDue(manager, invoice, amountDueCents));
  }

  /**
   * `setAmountDue` without the publishing: the snapshot events to publish (`invoice.balance-changed`,
   * and `invoice.paid` when it became paid), for a caller that writes all of its transaction's events
   * with one `Outbox.addMany`.
   */
  async changeAmountDue(
    manager: EntityManager,
    invoice: InvoiceEntity,
    amountDueCents: number,
  ): Promise<OutboxEventInput<SnapshotType>[]> {
    const events = this.nextAmountDue(invoice, amountDueCents);
    await manager.update(
      InvoiceEntity,
      { invoiceId: invoice.invoiceId },
      { amountDueCents: invoice.amountDueCents, status: invoice.status, version: invoice.version },
    );
    return events;
  }

  /**
   * `changeAmountDue` in memory only: sets the locked invoice's amount due, status and version and
   * returns its snapshot events, for a caller that writes the invoices with `amountDueWrites`.
   */
  nextAmountDue(invoice: InvoiceEntity, amountDueCents: number): OutboxEventInput<SnapshotType>[] {
    const wasPaid = invoice.status === 'paid';
    invoice.amountDueCents = amountDueCents;
    invoice.status = amountDueCents === 0 ? 'paid' : 'open';
    invoice.version += 1;
    const events = [snapshotEvent(invoice, 'invoice.balance-changed')];
    if (!wasPaid && invoice.status === 'paid') events.push(snapshotEvent(invoice, 'invoice.paid'));
    return events;
  }

  /**
   * The UPDATE of invoices changed by `nextAmountDue`, as a CTE (`<name>`, returning each invoice id)
   * of the caller's own statement.
   */
  amountDueWrites(
    connection: DataSource,
    invoices: readonly InvoiceEntity[],
    parameters: SqlParameters,
    name: string,
  ): string {
    return `${name} AS (
         UPDATE ${qualifiedTableName(connection, InvoiceEntity)} AS invoice
            SET amount_due_cents = changed.amount_due_cents, status = changed.status,
                version = changed.version, updated_at = now()
           FROM unnest(${parameters.add(invoices.map((invoice) => invoice.invoiceId))}::uuid[],
                       ${parameters.add(invoices.map((invoice) => invoice.amountDueCents))}::bigint[],
                       ${parameters.add(invoices.map((invoice) => invoice.status))}::text[],
                       ${parameters.add(invoices.map((invoice) => invoice.version))}::int[])
                  AS changed (invoice_id, amount_due_cents, status, version)
          WHERE invoice.invoice_id = changed.invoice_id
          RETURNING invoice.invoice_id)`;
  }

  async list(customerId: string, status: 'open' | 'paid' | 'all'): Promise<InvoiceView[]> {
    const customer = await this.dataSource.getRepository(CustomerEntity).findOneBy({ customerId });
    if (!customer) throw AppError.notFound('CUSTOMER.NOT_FOUND', `customer ${customerId} not found`);
    const invoices = await this.dataSource.getRepository(InvoiceEntity).find({
      where: status === 'all' ? { customerId } : { customerId, status },
      order: { dueDate: 'ASC', invoiceDate: 'ASC', invoiceNumber: 'ASC' },
    });
    return invoices.map(toInvoiceView);
  }

  /** Tells other services (intake validates payments against it) what an invoice now owes. */
  async publishSnapshot(manager: EntityManager, invoice: InvoiceEntity, type: SnapshotType): Promise<void> {
    await this.outbox.add(manager, snapshotEvent(invoice, type));
  }
}

type SnapshotType = 'invoice.issued' | 'invoice.balance-changed' | 'invoice.paid';

/** An invoice's snapshot event as the outbox takes it. */
function snapshotEvent(invoice: InvoiceEntity, type: SnapshotType): OutboxEventInput<SnapshotType> {
  const { invoiceId, invoiceNumber, customerId, accountNumber, invoiceDate, dueDate } = invoice;
  return {
    type,
    customerId,
    subject: invoiceId,
    data: {
      invoiceId,
      invoiceNumber,
      customerId,
      accountNumber,
      invoiceDate,
      dueDate,
      invoiceAmountCents: invoice.invoiceAmountCents,
      amountDueCents: invoice.amountDueCents,
      status: invoice.status,
      version: invoice.version,
    },
  };
}

/** The columns of `InvoiceEntity` as its properties (cents and dates as text, as TypeORM reads them). */
const INVOICE_COLUMNS = `invoice_id AS "invoiceId", invoice_number AS "invoiceNumber", customer_id AS "customerId",
  account_number AS "accountNumber", invoice_date::text AS "invoiceDate", due_date::text AS "dueDate",
  invoice_amount_cents::text AS "invoiceAmountCents", amount_due_cents::text AS "amountDueCents", status,
  version, created_at AS "createdAt", updated_at AS "updatedAt"`;
type InvoiceRow = Omit<InvoiceEntity, 'invoiceAmountCents' | 'amountDueCents' | 'lines'> & {
  invoiceAmountCents: string;
  amountDueCents: string;
};
function invoiceOf(row: InvoiceRow): InvoiceEntity {
  return Object.assign(new InvoiceEntity(), row, {
    invoiceAmountCents: cents(row.invoiceAmountCents),
    amountDueCents: cents(row.amountDueCents),
  });
}

/** A bigint column's text as cents (refusing what is not a safe integer, as the entities do). */
const cents = (value: string): number => centsTransformer.from(value) as number;

const CUSTOMER_COLUMNS = `customer_id AS "customerId", name, email, billing_delivery AS "billingDelivery",
  credit_balance_cents::text AS "creditBalanceCents", created_at AS "createdAt"`;
type CustomerRow = Omit<CustomerEntity, 'creditBalanceCents' | 'accounts'> & { creditBalanceCents: string };
function customerOf(row: CustomerRow): CustomerEntity {
  return Object.assign(new CustomerEntity(), row, { creditBalanceCents: cents(row.creditBalanceCents) });
}
