import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { businessDateOf } from '@remit/calendar';
import { defaultFeePolicy, returnFeeFor } from '@remit/fees';
import { Clock } from '@remit/platform';
import { AccountEntity } from '../customers/account.entity';
import { CreditService } from '../credit/credit.service';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { PaymentApplicationEntity } from '../payments/payment-application.entity';
import { PaymentReversalEntity } from '../payments/payment-reversal.entity';
import { PendingPaymentEntity } from '../payments/pending-payment.entity';
import { FeeEntity } from './fee.entity';

export interface ReturnFeeSweepResult {
  charged: string[];
}

/** Reversals older than this without a fee are the sweep's: younger ones still have their job coming. */
const SWEEP_GRACE_MS = 60_000;

export type ReturnFeeOutcome =
  | { charged: true; feeId: string }
  | { charged: false; reason: 'already-charged' | 'not-returned'; feeId?: string };

/**
 * The Return Fee (docs/architecture.md: "Any returned payment is charged a Return Fee of $25.00"), as a fee invoice due
 * at once: once per returned payment. The fee, its invoice, its journal and its events commit together;
 * a unique index on fees (payment_id) where kind = 'return' refuses a second one whatever the queue does.
 */
@Injectable()
export class ReturnFeeService {
  private readonly logger = new Logger(ReturnFeeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invoices: InvoicesService,
    private readonly credit: CreditService,
    private readonly clock: Clock,
  ) {}

  async charge(paymentId: string): Promise<ReturnFeeOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const reversal = await manager.findOneBy(PaymentReversalEntity, { paymentId });
      if (!reversal) return { charged: false, reason: 'not-returned' };
      const customer = await this.invoices.lockCustomer(manager, reversal.customerId);
      if (!customer) return { charged: false, reason: 'not-returned' };
      // A re-presented payment returned again is the same returned payment (libs/fees, returnFeeFor).
      const payment = await manager.findOneBy(PendingPaymentEntity, { paymentId });
      const feePaymentId = payment?.originalPaymentId ?? paymentId;
      const existing = await manager.findBy(FeeEntity, {
        customerId: customer.customerId,
        kind: 'return',
        paymentId: In([...new Set([paymentId, feePaymentId])]),
      });
      const fee = returnFeeFor(
        { paymentId: feePaymentId, amountCents: reversal.reversedCents },
        existing.map((charged) => ({ kind: charged.kind, paymentId: feePaymentId })),
        defaultFeePolicy,
      );
      if (!fee) return { charged: false, reason: 'already-charged', feeId: existing[0]?.feeId };

      const today = businessDateOf(await this.clock.now());
      const feeId = randomUUID();
      // The fee invoice carries the fee's row and its fee.charged (InvoicesService.issue).
      await this.invoices.issue(manager, {
        invoiceNumber: `RF-${paymentId}`,
        customerId: customer.customerId,
        accountNumber: await this.accountFor(manager, customer.customerId, paymentId),
        invoiceDate: today,
        dueDate: today,
        lines: [],
        feeLines: [
          {
            feeId,
            kind: 'return',
            description: `${fee.description} (${reversal.returnCode})`,
            amountCents: fee.amountCents,
            // The returned payment the fee is for: a re-presentment's is its original (returnFeeFor),
            // so that the unique index on return fees by payment holds one per original too (a
            // re-presentment returned before its original's fee was charged, by a lost job, once
            // left room for a second fee when the original's was charged later).
            paymentId: feePaymentId,
            returnCode: reversal.returnCode,
          },
        ],
      });
      await this.credit.applyAvailable(manager, customer);
      this.logger.log(`return fee ${feeId} charged to ${customer.customerId} for payment ${paymentId}`);
      return { charged: true, feeId };
    });
  }

  /**
   * Charges the fee of every returned payment that has none yet (its job was never added — Redis was
   * down at the commit — or was lost). Charging is idempotent, so racing a job is harmless.
   *
   * A returned re-presentment's fee is its original payment's (`charge`): its own id is on no fee, so
   * the check looks for either id, as `charge` does. Looking for its own id alone, the sweep picked
   * every such reversal again at every round, oldest first, and once there were 100 of them it never
   * reached a fee that was really missing.
   */
  async sweep(): Promise<ReturnFeeSweepResult> {
    const rows = await this.dataSource.query<{ payment_id: string }[]>(
      `SELECT reversal.payment_id FROM invoice.payment_reversals reversal
         LEFT JOIN invoice.pending_payments payment ON payment.payment_id = reversal.payment_id
        WHERE reversal.reversed_at < $1
          AND NOT EXISTS (SELECT 1 FROM invoice.fees fee
                           WHERE fee.kind = 'return'
                             AND fee.payment_id IN (reversal.payment_id, payment.original_payment_id))
        ORDER BY reversal.reversed_at LIMIT 100`,
      [new Date((await this.clock.now()).getTime() - SWEEP_GRACE_MS)],
    );
    const charged: string[] = [];
    for (const { payment_id: paymentId } of rows) {
      const outcome = await this.charge(paymentId);
      if (outcome.charged) charged.push(paymentId);
    }
    if (charged.length > 0) this.logger.warn(`sweep charged ${charged.length} return fee(s) a job had left`);
    return { charged };
  }

  /** The fee invoice goes to the site of the first invoice the payment paid, else the customer's first site. */
  private async accountFor(manager: EntityManager, customerId: string, paymentId: string): Promise<string> {
    const paid = await manager
      .getRepository(PaymentApplicationEntity)
      .createQueryBuilder('application')
      .innerJoin(InvoiceEntity, 'invoice', 'invoice.invoice_id = application.invoice_id')
      .select('invoice.account_number', 'accountNumber')
      .where('application.payment_id = :paymentId', { paymentId })
      .orderBy('invoice.account_number', 'ASC')
      .getRawOne<{ accountNumber: string }>();
    if (paid) return paid.accountNumber;
    const first = await manager.findOne(AccountEntity, {
      where: { customerId },
      order: { accountNumber: 'ASC' },
    });
    return first!.accountNumber;
  }
}
