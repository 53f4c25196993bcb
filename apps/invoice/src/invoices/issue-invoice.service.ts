import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { defaultFeePolicy, paperInvoiceFeeFor } from '@remit/fees';
import { AppError } from '@remit/platform';
import { AccountEntity } from '../customers/account.entity';
import { CreditService } from '../credit/credit.service';
import { FeesService } from '../fees/fees.service';
import type { CreateInvoiceRequest, InvoiceView } from './invoice.schema';
import { InvoicesService, toInvoiceView } from './invoices.service';

/**
 * `POST /v1/invoices`: a paper-billed customer's invoice carries the Paper Invoice Fee as a line
 * (docs/architecture.md: "$10.00 on each paper invoice"), recorded as a fee; then the customer's credit, if
 * any, pays open invoices oldest due first.
 */
@Injectable()
export class IssueInvoiceService {
  private readonly logger = new Logger(IssueInvoiceService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fees: FeesService,
    private readonly invoices: InvoicesService,
    private readonly credit: CreditService,
  ) {}

  async create(request: CreateInvoiceRequest): Promise<InvoiceView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const account = await manager.findOneBy(AccountEntity, { accountNumber: request.accountNumber });
      if (!account) {
        throw AppError.unprocessable('ACCOUNT.NOT_FOUND', `account ${request.accountNumber} does not exist`, [
          { field: 'accountNumber', code: 'not_found', message: 'no customer has this account number' },
        ]);
      }
      const customer = (await this.invoices.lockCustomer(manager, account.customerId))!;
      const invoiceId = randomUUID();
      // The delivery in force when the invoice is issued decides; a later switch changes later invoices only.
      const paperFee = paperInvoiceFeeFor(
        { invoiceId, billingDelivery: customer.billingDelivery },
        defaultFeePolicy,
      );
      const paperFeeId = randomUUID();
      const invoice = await this.invoices.issue(manager, {
        invoiceId,
        invoiceNumber: request.invoiceNumber,
        customerId: customer.customerId,
        accountNumber: account.accountNumber,
        invoiceDate: request.invoiceDate,
        dueDate: request.dueDate,
        lines: request.lines,
        feeLines: paperFee
          ? [{ feeId: paperFeeId, description: paperFee.description, amountCents: paperFee.amountCents }]
          : [],
      });
      if (paperFee) {
        await this.fees.record(
          manager,
          { feeId: paperFeeId, kind: 'paper', amountCents: paperFee.amountCents },
          invoice,
        );
      }
      await this.credit.applyAvailable(manager, customer);
      return toInvoiceView(invoice);
    });
    this.logger.log(
      `invoice ${view.invoiceNumber} issued to ${view.customerId} for ${view.invoiceAmountCents} cents`,
    );
    return view;
  }
}
