import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { defaultFeePolicy, paperInvoiceFeeFor } from '@remit/fees';
import { AppError } from '@remit/platform';
import type { CustomerEntity } from '../customers/customer.entity';
import { CreditService } from '../credit/credit.service';
import type { CreateInvoiceRequest, InvoiceView } from './invoice.schema';
import { InvoicesService, toInvoiceView, type Issuer, type NewInvoice } from './invoices.service';

/**
 * `POST /v1/invoices`: a paper-billed customer's invoice carries the Paper Invoice Fee as a line
 * (docs/architecture.md: "$10.00 on each paper invoice"), recorded as a fee; then the customer's credit, if
 * any, pays open invoices oldest due first.
 *
 * A customer without credit (nearly all) is issued an invoice in two statements and no transaction: a
 * plain read of the account's customer, then one statement that locks the customer row, checks that
 * it is still as read and writes everything (`InvoicesService.issueUnlessChanged`). Each statement is a
 * round trip and a socket write; BEGIN and COMMIT were two more. A customer with credit, or one that
 * changed between the read and the write, is issued in a transaction that locks the customer first.
 */
@Injectable()
export class IssueInvoiceService {
  private readonly logger = new Logger(IssueInvoiceService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invoices: InvoicesService,
    private readonly credit: CreditService,
  ) {}

  async create(request: CreateInvoiceRequest): Promise<InvoiceView> {
    const view = (await this.issueUnlocked(request)) ?? (await this.issueLocked(request));
    this.logger.log(
      `invoice ${view.invoiceNumber} issued to ${view.customerId} for ${view.invoiceAmountCents} cents`,
    );
    return view;
  }

  /** Null when the customer has credit to apply, or changed before the write could lock it. */
  private async issueUnlocked(request: CreateInvoiceRequest): Promise<InvoiceView | null> {
    const manager = this.dataSource.manager;
    const { customer } = issuerOrRefusal(
      request,
      await this.invoices.issuerOf(manager, request.accountNumber, request.invoiceNumber, false),
    );
    if (customer.creditBalanceCents !== 0) return null;
    const invoice = await this.invoices.issueUnlessChanged(manager, newInvoice(request, customer), customer);
    return invoice && toInvoiceView(invoice);
  }

  private async issueLocked(request: CreateInvoiceRequest): Promise<InvoiceView> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const { customer } = issuerOrRefusal(
        request,
        await this.invoices.issuerOf(manager, request.accountNumber, request.invoiceNumber, true),
      );
      const invoice = await this.invoices.issue(manager, newInvoice(request, customer));
      await this.credit.applyAvailable(manager, customer);
      return toInvoiceView(invoice);
    });
  }
}

/** The issuer, or the refusal: no such account (422), or the invoice number taken (409). */
function issuerOrRefusal(request: CreateInvoiceRequest, issuer: Issuer | null): Issuer {
  if (!issuer) {
    throw AppError.unprocessable('ACCOUNT.NOT_FOUND', `account ${request.accountNumber} does not exist`, [
      { field: 'accountNumber', code: 'not_found', message: 'no customer has this account number' },
    ]);
  }
  if (issuer.invoiceNumberTaken) {
    throw AppError.conflict('INVOICE.ALREADY_EXISTS', `invoice ${request.invoiceNumber} already exists`);
  }
  return issuer;
}

/** The invoice for `customer` as it is now: the delivery in force when it is issued decides the fee. */
function newInvoice(request: CreateInvoiceRequest, customer: CustomerEntity): NewInvoice {
  const invoiceId = randomUUID();
  const paperFee = paperInvoiceFeeFor(
    { invoiceId, billingDelivery: customer.billingDelivery },
    defaultFeePolicy,
  );
  return {
    invoiceId,
    invoiceNumber: request.invoiceNumber,
    customerId: customer.customerId,
    accountNumber: request.accountNumber,
    invoiceDate: request.invoiceDate,
    dueDate: request.dueDate,
    lines: request.lines,
    // A later switch of delivery changes later invoices only.
    feeLines: paperFee
      ? [
          {
            feeId: randomUUID(),
            kind: 'paper',
            description: paperFee.description,
            amountCents: paperFee.amountCents,
          },
        ]
      : [],
  };
}
