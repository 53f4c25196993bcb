import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import type { EventType } from '@remit/contracts';
import { Outbox, qualifiedTableName, type OutboxEventInput } from '@remit/messaging';
import { centsTransformer, SqlParameters, uuidMatch } from '@remit/persistence';
import { AppError } from '@remit/platform';
import { AccountEntity } from '../customers/account.entity';
import { CustomerEntity } from '../customers/customer.entity';
import { FeesService, type ChargedFee } from '../fees/fees.service';
import type { Journal } from '../ledger/journal';
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
  /**
   * Fees billed on the invoice, printed after the charges; each is its own journal (`fee:<feeId>`), its
   * own fee row and its own `fee.charged`, after the invoice's `invoice.issued`.
   */
  feeLines?: (ChargedFee & { description: string })[];
}

/** The customer an invoice for an account goes to, and whether the invoice number is taken already. */
export interface Issuer {
  customer: CustomerEntity;
  invoiceNumberTaken: boolean;
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
    private readonly fees: FeesService,
  ) {}

  // The locks below run in every payment's transaction: plain SQL, not TypeORM's query building,
  // which cost more CPU than the statement itself (docs/performance.md).

  async lockCustomer(manager: EntityManager, customerId: string): Promise<CustomerEntity | null> {
    const [row] = await manager.query<CustomerRow[]>(
      `SELECT ${customerColumns('customer')} FROM ${qualifiedTableName(manager.connection, CustomerEntity)} AS customer
        WHERE customer_id = $1 FOR UPDATE`,
      [customerId],
    );
    return row ? customerOf(row) : null;
  }

  /**
   * The customer of an account and whether `invoiceNumber` is taken, in one statement: with `lock`, the
   * customer row locked (`lockCustomer`'s lock, in the caller's transaction); without it, a plain read
   * for `issueUnlessChanged`. Null when no account has that number. The answer about the number is as
   * of the statement's start: an invoice committed meanwhile is caught by the unique index (`issue`).
   */
  async issuerOf(
    manager: EntityManager,
    accountNumber: string,
    invoiceNumber: string,
    lock: boolean,
  ): Promise<Issuer | null> {
    const [row] = await manager.query<(CustomerRow & { invoiceNumberTaken: boolean })[]>(
      `SELECT ${customerColumns('customer')},
              EXISTS (SELECT 1 FROM ${qualifiedTableName(manager.connection, InvoiceEntity)}
                       WHERE invoice_number = $2) AS "invoiceNumberTaken"
         FROM ${qualifiedTableName(manager.connection, AccountEntity)} AS account
         JOIN ${qualifiedTableName(manager.connection, CustomerEntity)} AS customer
           ON customer.customer_id = account.customer_id
        WHERE account.account_number = $1${lock ? ' FOR UPDATE OF customer' : ''}`,
      [accountNumber, invoiceNumber],
    );
    if (!row) return null;
    const { invoiceNumberTaken, ...customer } = row;
    return { customer: customerOf(customer), invoiceNumberTaken };
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
    // One id (most payments) as `= $1` (`uuidMatch`): the prepared plan for an array read the
    // customer's invoices, so PostgreSQL planned the statement at every call.
    const ids = uuidMatch('$1', invoiceIds);
    const rows = await manager.query<InvoiceRow[]>(lockInvoicesSql(manager, ids.sql), [
      ids.value,
      customerId,
    ]);
    return rows.map(invoiceOf);
  }

  /**
   * `lockInvoices`, and in the same statement the answer to each yes/no `question` (an SQL boolean
   * expression of one parameter, given its placeholder): one round trip instead of two. The answers
   * are read from the statement's snapshot, taken before it waits for the invoice locks: a caller
   * that holds the customer's lock (`lockCustomer`) gets current answers about what is only written
   * under that lock, as a statement of its own after `lockCustomer` would.
   */
  async lockInvoicesAsking<Q extends string>(
    manager: EntityManager,
    customerId: string,
    invoiceIds: string[],
    questions: Record<Q, InvoiceQuestion>,
  ): Promise<{ invoices: InvoiceEntity[]; answers: Record<Q, boolean> }> {
    const ids = uuidMatch('$1', invoiceIds);
    const asked = Object.entries(questions) as [Q, InvoiceQuestion][];
    // Answers are named apart from the invoice's columns, which share their rows.
    const answers = asked.map(
      ([name, question], index) => `${question.sql(`$${index + 3}`)} AS "${answerColumn(name)}"`,
    );
    // The questions in a one-row FROM item, the locked invoices joined to it: one row with no invoice.
    const rows = await manager.query<(InvoiceRow & Record<string, unknown>)[]>(
      `SELECT asked.*, invoice.*
         FROM (SELECT ${answers.join(', ')}) AS asked
         LEFT JOIN LATERAL (${lockInvoicesSql(manager, ids.sql)}) AS invoice ON true
        ORDER BY invoice."invoiceId"`,
      [ids.value, customerId, ...asked.map(([, question]) => question.value)],
    );
    const first = rows[0];
    return {
      invoices: rows
        .filter((row) => row.invoiceId !== null)
        .map((row) => invoiceOf(withoutAnswers(row, asked))),
      answers: Object.fromEntries(
        asked.map(([name]) => [name, first[answerColumn(name)] === true]),
      ) as Record<Q, boolean>,
    };
  }

  /**
   * Issues an invoice in the caller's transaction, the customer row locked by the caller: the invoice,
   * its lines, its journals, its fees and `invoice.issued` (then each fee's `fee.charged`), in one
   * statement. A taken invoice number is INVOICE.ALREADY_EXISTS (409), from the unique index; the
   * failed statement has aborted the transaction, so the caller can only let the error roll it back.
   */
  async issue(manager: EntityManager, request: NewInvoice): Promise<InvoiceEntity> {
    return (await this.write(manager, request))!;
  }

  /**
   * `issue` with no transaction and no lock held, for a customer read without lock (`issuerOf`): the
   * statement locks the customer row itself and writes only while the customer still owns the account
   * and still has the billing delivery and credit it was read with, which is all the invoice was built
   * from. So it writes what `issue` under the lock would have, or nothing (null: then issue under the
   * lock). One statement, atomic on its own, is the whole issuing: no BEGIN, no COMMIT.
   */
  async issueUnlessChanged(
    manager: EntityManager,
    request: NewInvoice,
    customer: CustomerEntity,
  ): Promise<InvoiceEntity | null> {
    return this.write(manager, request, customer);
  }

  private async write(
    manager: EntityManager,
    request: NewInvoice,
    asRead?: CustomerEntity,
  ): Promise<InvoiceEntity | null> {
    const feeLines = request.feeLines ?? [];
    const lines = [...request.lines, ...feeLines];
    const totalCents = lines.reduce((sum, line) => sum + line.amountCents, 0);
    const invoice = Object.assign(new InvoiceEntity(), {
      invoiceId: request.invoiceId ?? randomUUID(),
      invoiceNumber: request.invoiceNumber,
      customerId: request.customerId,
      accountNumber: request.accountNumber,
      invoiceDate: request.invoiceDate,
      dueDate: request.dueDate,
      invoiceAmountCents: totalCents,
      amountDueCents: totalCents,
      status: 'open' as const,
      version: 1,
    });
    // Built and validated before anything is written, in the order they happened.
    const events = this.outbox.prepare<EventType>([
      snapshotEvent(invoice, 'invoice.issued'),
      ...feeLines.map((fee) => this.fees.chargedEvent(fee, invoice)),
    ]);

    const parameters = new SqlParameters();
    const connection = manager.connection;
    const customerId = parameters.add(request.customerId);
    const accountNumber = parameters.add(request.accountNumber);
    const total = parameters.add(totalCents);
    // The customer the invoice goes to: as the caller locked it, or locked here if still as read.
    const issuer = asRead
      ? `SELECT customer.customer_id
           FROM ${qualifiedTableName(connection, CustomerEntity)} AS customer
           JOIN ${qualifiedTableName(connection, AccountEntity)} AS account
             ON account.customer_id = customer.customer_id AND account.account_number = ${accountNumber}
          WHERE customer.customer_id = ${customerId}
            AND customer.billing_delivery = ${parameters.add(asRead.billingDelivery)}
            AND customer.credit_balance_cents = ${parameters.add(asRead.creditBalanceCents)}
            FOR UPDATE OF customer`
      : `SELECT ${customerId}::text AS customer_id`;
    // Everything else is written only with the invoice row (`issued`: one row, or none).
    const withInvoice = 'EXISTS (SELECT 1 FROM issued)';
    const writes = [
      `issuer AS (${issuer})`,
      `issued AS (
         INSERT INTO ${qualifiedTableName(connection, InvoiceEntity)}
                (invoice_id, invoice_number, customer_id, account_number, invoice_date, due_date,
                 invoice_amount_cents, amount_due_cents, status, version)
         SELECT ${parameters.add(invoice.invoiceId)}::uuid, ${parameters.add(invoice.invoiceNumber)}::text,
                issuer.customer_id, ${accountNumber}::text, ${parameters.add(invoice.invoiceDate)}::date,
                ${parameters.add(invoice.dueDate)}::date, ${total}::bigint, ${total}::bigint, 'open', 1
           FROM issuer
         RETURNING invoice_id, created_at, updated_at)`,
      `lines AS (
         INSERT INTO ${qualifiedTableName(connection, InvoiceLineEntity)} (invoice_id, position, description, amount_cents)
         SELECT issued.invoice_id, line.position, line.description, line.amount_cents
           FROM issued,
                unnest(${parameters.add(lines.map((line) => line.description))}::text[],
                       ${parameters.add(lines.map((line) => line.amountCents))}::bigint[]) WITH ORDINALITY
                  AS line (description, amount_cents, position)
         RETURNING 1)`,
      this.ledger.journalWrites(
        connection,
        journalsOf(invoice, request),
        parameters,
        'journals',
        withInvoice,
      ),
      ...(feeLines.length > 0
        ? [this.fees.writes(connection, feeLines, request.customerId, parameters, 'fees', 'issued')]
        : []),
      `announced AS (${events.insert(connection, parameters.addAll(events.parameters), withInvoice)} RETURNING 1)`,
    ];
    const statement = `WITH ${writes.join(',\n       ')}
       SELECT created_at AS "createdAt", updated_at AS "updatedAt" FROM issued`;
    let written: { createdAt: Date; updatedAt: Date } | undefined;
    try {
      [written] = await manager.query<{ createdAt: Date; updatedAt: Date }[]>(statement, parameters.values);
    } catch (error) {
      throw invoiceNumberTaken(error, request.invoiceNumber) ?? error;
    }
    if (!written) return null;
    this.outbox.written(manager);
    return Object.assign(invoice, written);
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
   * of the caller's own statement. One invoice (most payments) is updated by its id and values, several
   * from arrays: PostgreSQL prices an array at a hundred rows in a plan made without its values, so
   * with arrays it planned the caller's statement afresh at every call.
   */
  amountDueWrites(
    connection: DataSource,
    invoices: readonly InvoiceEntity[],
    parameters: SqlParameters,
    name: string,
  ): string {
    if (invoices.length === 1) {
      const [invoice] = invoices;
      return `${name} AS (
         UPDATE ${qualifiedTableName(connection, InvoiceEntity)} AS invoice
            SET amount_due_cents = ${parameters.add(invoice.amountDueCents)}::bigint,
                status = ${parameters.add(invoice.status)}::text,
                version = ${parameters.add(invoice.version)}::int, updated_at = now()
          WHERE invoice.invoice_id = ${parameters.add(invoice.invoiceId)}::uuid
          RETURNING invoice.invoice_id)`;
    }
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
}

type SnapshotType = 'invoice.issued' | 'invoice.balance-changed' | 'invoice.paid';

/** The journals of a new invoice: its charges (`invoice:<invoiceId>`, unless they net to zero), then each fee. */
function journalsOf(invoice: InvoiceEntity, request: NewInvoice): Journal[] {
  const chargesCents = request.lines.reduce((sum, line) => sum + line.amountCents, 0);
  const charges: Journal[] =
    chargesCents === 0
      ? []
      : [
          {
            journalId: `invoice:${invoice.invoiceId}`,
            customerId: invoice.customerId,
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
          },
        ];
  return [
    ...charges,
    ...(request.feeLines ?? []).map((fee): Journal => ({
      journalId: `fee:${fee.feeId}`,
      customerId: invoice.customerId,
      memo: `${fee.description} on invoice ${invoice.invoiceNumber}`,
      lines: [
        { account: 'accounts_receivable', debitCents: fee.amountCents },
        { account: 'fee_revenue', creditCents: fee.amountCents },
      ],
    })),
  ];
}

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
/** A yes/no question of `lockInvoicesAsking`: an SQL boolean expression of one parameter, and its value. */
export interface InvoiceQuestion {
  sql: (placeholder: string) => string;
  value: unknown;
}
/** The customer's (`$2`) invoices among `idsSql` (a match of `$1`), locked in id order. */
function lockInvoicesSql(manager: EntityManager, idsSql: string): string {
  return `SELECT ${INVOICE_COLUMNS} FROM ${qualifiedTableName(manager.connection, InvoiceEntity)}
        WHERE invoice_id ${idsSql} AND customer_id = $2 ORDER BY invoice_id FOR UPDATE`;
}
/** The column of `lockInvoicesAsking`'s answer to the question `name`. */
const answerColumn = (name: string): string => `answer:${name}`;
/** A row of `lockInvoicesAsking` without its answers' columns. */
function withoutAnswers(row: InvoiceRow & Record<string, unknown>, asked: [string, unknown][]): InvoiceRow {
  const invoice: Record<string, unknown> = { ...row };
  for (const [name] of asked) delete invoice[answerColumn(name)];
  return invoice as InvoiceRow;
}
function invoiceOf(row: InvoiceRow): InvoiceEntity {
  return Object.assign(new InvoiceEntity(), row, {
    invoiceAmountCents: cents(row.invoiceAmountCents),
    amountDueCents: cents(row.amountDueCents),
  });
}

/** A bigint column's text as cents (refusing what is not a safe integer, as the entities do). */
const cents = (value: string): number => centsTransformer.from(value) as number;

/** The columns of `CustomerEntity` (of the table named `table` in the query) as its properties. */
const customerColumns = (table: string): string =>
  `${table}.customer_id AS "customerId", ${table}.name, ${table}.email,
  ${table}.billing_delivery AS "billingDelivery", ${table}.credit_balance_cents::text AS "creditBalanceCents",
  ${table}.created_at AS "createdAt"`;
type CustomerRow = Omit<CustomerEntity, 'creditBalanceCents' | 'accounts'> & { creditBalanceCents: string };
function customerOf(row: CustomerRow): CustomerEntity {
  return Object.assign(new CustomerEntity(), row, { creditBalanceCents: cents(row.creditBalanceCents) });
}

/**
 * INVOICE.ALREADY_EXISTS for a unique violation of the invoice number (a number taken by an invoice
 * committed after the caller's check, or never checked); undefined for any other error.
 */
function invoiceNumberTaken(error: unknown, invoiceNumber: string): AppError | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const { code, constraint } = error as QueryFailedError & { code?: string; constraint?: string };
  if (code !== '23505' || constraint !== INVOICE_NUMBER_UNIQUE) return undefined;
  return AppError.conflict('INVOICE.ALREADY_EXISTS', `invoice ${invoiceNumber} already exists`);
}

/** The unique constraint on invoices (invoice_number), as the first migration named it. */
const INVOICE_NUMBER_UNIQUE = 'invoices_invoice_number_key';
