import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Outbox } from '@remit/messaging';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { FeeEntity, type FeeKind } from './fee.entity';

export interface ChargedFee {
  feeId: string;
  kind: FeeKind;
  amountCents: number;
  /** The returned payment a return fee is charged for. */
  paymentId?: string;
  returnCode?: string;
}

/** Records a fee billed on an invoice (its line and journal come with the invoice) and announces it. */
@Injectable()
export class FeesService {
  constructor(private readonly outbox: Outbox) {}

  async record(manager: EntityManager, fee: ChargedFee, invoice: InvoiceEntity): Promise<void> {
    await manager.insert(FeeEntity, {
      feeId: fee.feeId,
      customerId: invoice.customerId,
      kind: fee.kind,
      invoiceId: invoice.invoiceId,
      paymentId: fee.paymentId ?? null,
      returnCode: fee.returnCode ?? null,
      amountCents: fee.amountCents,
      status: 'charged',
      waivedReason: null,
      waivedBy: null,
      waivedAt: null,
    });
    await this.outbox.add(manager, {
      type: 'fee.charged',
      customerId: invoice.customerId,
      subject: fee.feeId,
      data: {
        feeId: fee.feeId,
        customerId: invoice.customerId,
        kind: fee.kind,
        amountCents: fee.amountCents,
        invoiceId: invoice.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        ...(fee.paymentId === undefined ? {} : { paymentId: fee.paymentId }),
        ...(fee.returnCode === undefined ? {} : { returnCode: fee.returnCode }),
      },
    });
  }
}
