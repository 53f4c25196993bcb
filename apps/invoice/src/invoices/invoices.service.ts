import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Outbox } from '@remit/messaging';
import { AppError } from '@remit/platform';
import { AccountEntity } from '../customers/account.entity';
import { CustomerEntity } from '../customers/customer.entity';
import { LedgerService } from '../ledger/ledger.service';
import { InvoiceEntity } from './invoice.entity';
import { InvoiceLineEntity } from './invoice-line.entity';
import type { CreateInvoiceRequest, InvoiceView } from './invoice.schema';

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

@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly ledger: LedgerService,
  ) {}

  async create(request: CreateInvoiceRequest): Promise<InvoiceView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const account = await manager.findOneBy(AccountEntity, { accountNumber: request.accountNumber });
      if (!account) {
        throw AppError.unprocessable('ACCOUNT.NOT_FOUND', `account ${request.accountNumber} does not exist`, [
          { field: 'accountNumber', code: 'not_found', message: 'no customer has this account number' },
        ]);
      }
      const duplicate = await manager.findOneBy(InvoiceEntity, { invoiceNumber: request.invoiceNumber });
      if (duplicate) {
        throw AppError.conflict('INVOICE.ALREADY_EXISTS', `invoice ${request.invoiceNumber} already exists`);
      }
      const totalCents = request.lines.reduce((sum, line) => sum + line.amountCents, 0);
      const invoice = manager.create(InvoiceEntity, {
        invoiceId: randomUUID(),
        invoiceNumber: request.invoiceNumber,
        customerId: account.customerId,
        accountNumber: account.accountNumber,
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
        request.lines.map((line, index) => ({
          invoiceId: invoice.invoiceId,
          position: index + 1,
          description: line.description,
          amountCents: line.amountCents,
        })),
      );
      await this.ledger.record(manager, {
        journalId: `invoice:${invoice.invoiceId}`,
        customerId: account.customerId,
        memo: `Invoice ${invoice.invoiceNumber}`,
        lines: [
          { account: 'accounts_receivable', debitCents: totalCents },
          { account: 'revenue', creditCents: totalCents },
        ],
      });
      await this.publishSnapshot(manager, invoice, 'invoice.issued');
      return toInvoiceView(invoice);
    });
    this.logger.log(
      `invoice ${view.invoiceNumber} issued to ${view.customerId} for ${view.invoiceAmountCents} cents`,
    );
    return view;
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
  async publishSnapshot(
    manager: EntityManager,
    invoice: InvoiceEntity,
    type: 'invoice.issued' | 'invoice.balance-changed',
  ): Promise<void> {
    const { invoiceId, invoiceNumber, customerId, accountNumber, invoiceDate, dueDate } = invoice;
    await this.outbox.add(manager, {
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
    });
  }
}
