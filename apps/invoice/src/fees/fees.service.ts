import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { qualifiedTableName, type OutboxEventInput } from '@remit/messaging';
import type { SqlParameters } from '@remit/persistence';
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

/** The invoice a fee is billed on, as its fee row and `fee.charged` name it. */
export type BilledOn = Pick<InvoiceEntity, 'invoiceId' | 'invoiceNumber' | 'customerId'>;

/**
 * Fees billed on an invoice: their rows and their `fee.charged`, written by the invoice's own statement
 * (`InvoicesService.issue`) with its lines and journals, so a fee never exists without its invoice.
 */
@Injectable()
export class FeesService {
  /**
   * The INSERT of the fees' rows (status `charged`), as a CTE `<name>` of the caller's statement; each
   * row is written once per row of `invoices` (a CTE returning the invoice's `invoice_id`, one row or
   * none), so nothing is written when the invoice is not.
   */
  writes(
    connection: DataSource,
    fees: readonly ChargedFee[],
    customerId: string,
    parameters: SqlParameters,
    name: string,
    invoices: string,
  ): string {
    return `${name} AS (
         INSERT INTO ${qualifiedTableName(connection, FeeEntity)}
                (fee_id, customer_id, kind, invoice_id, payment_id, return_code, amount_cents, status)
         SELECT fee.fee_id, ${parameters.add(customerId)}::text, fee.kind, ${invoices}.invoice_id, fee.payment_id,
                fee.return_code, fee.amount_cents, 'charged'
           FROM ${invoices},
                unnest(${parameters.add(fees.map((fee) => fee.feeId))}::uuid[],
                       ${parameters.add(fees.map((fee) => fee.kind))}::text[],
                       ${parameters.add(fees.map((fee) => fee.paymentId ?? null))}::uuid[],
                       ${parameters.add(fees.map((fee) => fee.returnCode ?? null))}::text[],
                       ${parameters.add(fees.map((fee) => fee.amountCents))}::bigint[])
                  AS fee (fee_id, kind, payment_id, return_code, amount_cents)
         RETURNING 1)`;
  }

  /** The `fee.charged` of a fee billed on `invoice`, for the outbox insert of the same statement. */
  chargedEvent(fee: ChargedFee, invoice: BilledOn): OutboxEventInput<'fee.charged'> {
    return {
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
    };
  }
}
