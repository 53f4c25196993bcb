import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Outbox } from '@remit/messaging';
import { AppError, Clock } from '@remit/platform';
import { CreditService } from '../credit/credit.service';
import { InvoicesService } from '../invoices/invoices.service';
import { LedgerService } from '../ledger/ledger.service';
import { FeeEntity } from './fee.entity';
import type { FeeView } from './fee.schema';
import { toFeeView } from './fee.view';

/**
 * Ops waive a fee: reversed through the ledger (fee revenue debited), off what its invoice still owes;
 * whatever of it was already paid becomes customer credit. Waiving a waived fee changes nothing.
 */
@Injectable()
export class WaiveFeeService {
  private readonly logger = new Logger(WaiveFeeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly ledger: LedgerService,
    private readonly invoices: InvoicesService,
    private readonly credit: CreditService,
    private readonly clock: Clock,
  ) {}

  async waive(feeId: string, reason: string, waivedBy: string): Promise<FeeView> {
    return this.dataSource.transaction(async (manager) => {
      const found = await manager.findOneBy(FeeEntity, { feeId });
      if (!found) throw AppError.notFound('FEE.NOT_FOUND', `fee ${feeId} not found`);
      const customer = (await this.invoices.lockCustomer(manager, found.customerId))!;
      const fee = (await manager.findOne(FeeEntity, {
        where: { feeId },
        lock: { mode: 'pessimistic_write' },
      }))!;
      if (fee.status === 'waived') return toFeeView(fee);

      const [invoice] = await this.invoices.lockInvoices(manager, fee.customerId, [fee.invoiceId]);
      const offDueCents = Math.min(fee.amountCents, invoice.amountDueCents);
      const creditCents = fee.amountCents - offDueCents;
      if (offDueCents > 0) {
        await this.invoices.setAmountDue(manager, invoice, invoice.amountDueCents - offDueCents);
      }
      if (creditCents > 0) await this.credit.addLot(manager, customer, 'waiver', feeId, creditCents);
      await this.ledger.record(manager, {
        journalId: `waiver:${feeId}`,
        customerId: fee.customerId,
        memo: `${fee.kind === 'return' ? 'Return' : 'Paper invoice'} fee waived: ${reason}`,
        lines: [
          { account: 'fee_revenue', debitCents: fee.amountCents },
          ...(offDueCents > 0 ? [{ account: 'accounts_receivable' as const, creditCents: offDueCents }] : []),
          ...(creditCents > 0 ? [{ account: 'customer_credit' as const, creditCents }] : []),
        ],
      });
      fee.status = 'waived';
      fee.waivedReason = reason;
      fee.waivedBy = waivedBy;
      fee.waivedAt = await this.clock.now();
      await manager.update(
        FeeEntity,
        { feeId },
        { status: fee.status, waivedReason: reason, waivedBy, waivedAt: fee.waivedAt },
      );
      await this.outbox.add(manager, {
        type: 'fee.waived',
        customerId: fee.customerId,
        subject: feeId,
        data: {
          feeId,
          customerId: fee.customerId,
          kind: fee.kind,
          amountCents: fee.amountCents,
          reason,
          waivedBy,
        },
      });
      this.logger.log(`fee ${feeId} of ${fee.customerId} waived by ${waivedBy}`);
      return toFeeView(fee);
    });
  }

  async list(customerId: string): Promise<FeeView[]> {
    const fees = await this.dataSource
      .getRepository(FeeEntity)
      .find({ where: { customerId }, order: { createdAt: 'ASC', feeId: 'ASC' } });
    return fees.map(toFeeView);
  }
}
