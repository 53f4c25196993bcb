import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { IsNull, type EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused, Outbox } from '@remit/messaging';
import { afterCommit } from '@remit/persistence';
import { Clock } from '@remit/platform';
import { CreditLotEntity } from '../credit/credit-lot.entity';
import { CustomerEntity } from '../customers/customer.entity';
import {
  RETURN_FEE_JOB_OPTIONS,
  RETURN_FEE_QUEUE,
  returnFeeJobId,
  type ReturnFeeJob,
} from '../fees/return-fee-queue';
import { InvoicesService } from '../invoices/invoices.service';
import { LedgerService } from '../ledger/ledger.service';
import { PaymentApplicationEntity } from './payment-application.entity';
import { PaymentReversalEntity } from './payment-reversal.entity';
import { PendingPaymentEntity } from './pending-payment.entity';

/**
 * Flow 2 (docs/architecture.md): a returned payment's applications and credit are undone — the invoices it paid
 * reopen, including those its credit paid later — in one journal; then a BullMQ job charges the return fee.
 */
@Injectable()
export class ReversePaymentService {
  private readonly logger = new Logger(ReversePaymentService.name);

  constructor(
    private readonly outbox: Outbox,
    private readonly ledger: LedgerService,
    private readonly invoices: InvoicesService,
    private readonly clock: Clock,
    @InjectQueue(RETURN_FEE_QUEUE) private readonly queue: Queue<ReturnFeeJob>,
  ) {}

  async onReturned(event: CloudEvent<'payment.returned'>, manager: EntityManager): Promise<void> {
    const { paymentId, customerId, amountCents, returnCode } = event.data;
    const customer = await this.invoices.lockCustomer(manager, customerId);
    if (!customer) {
      throw new EventRefused(
        'CUSTOMER.UNKNOWN',
        `payment ${paymentId} returned for unknown customer ${customerId}`,
      );
    }
    // The fee job is (re)added on every return message: its job id and the fees table keep it to one fee.
    afterCommit(
      manager,
      () =>
        this.queue.add(
          'charge',
          { paymentId },
          { jobId: returnFeeJobId(paymentId), ...RETURN_FEE_JOB_OPTIONS },
        ),
      (error) =>
        this.logger.warn(
          `payment ${paymentId}: return fee job not added (${error instanceof Error ? error.message : String(error)})`,
        ),
    );
    if (await manager.existsBy(PaymentReversalEntity, { paymentId })) {
      this.logger.warn(`payment ${paymentId} is already reversed; ignoring the repeated return`);
      return;
    }

    const applications = await manager.find(PaymentApplicationEntity, {
      where: { paymentId, reversedAt: IsNull() },
      order: { invoiceId: 'ASC' },
    });
    const invoices = await this.invoices.lockInvoices(
      manager,
      customerId,
      applications.map((application) => application.invoiceId),
    );
    const byId = new Map(invoices.map((invoice) => [invoice.invoiceId, invoice]));
    const now = await this.clock.now();
    for (const application of applications) {
      const invoice = byId.get(application.invoiceId)!;
      await this.invoices.setAmountDue(manager, invoice, invoice.amountDueCents + application.amountCents);
    }
    if (applications.length > 0) {
      await manager.update(
        PaymentApplicationEntity,
        { paymentId, reversedAt: IsNull() },
        { reversedAt: now },
      );
    }
    const lot = await manager.findOne(CreditLotEntity, {
      where: { sourceKind: 'payment', sourceId: paymentId },
      lock: { mode: 'pessimistic_write' },
    });
    const creditReversedCents = lot?.remainingCents ?? 0;
    if (lot && creditReversedCents > 0) {
      await manager.update(CreditLotEntity, { lotId: lot.lotId }, { remainingCents: 0 });
      customer.creditBalanceCents -= creditReversedCents;
      await manager.update(
        CustomerEntity,
        { customerId },
        { creditBalanceCents: customer.creditBalanceCents },
      );
    }
    const reopenedCents = applications.reduce((sum, application) => sum + application.amountCents, 0);
    const reversedCents = reopenedCents + creditReversedCents;
    if (reversedCents > 0) {
      await this.ledger.record(manager, {
        journalId: `reversal:${paymentId}`,
        customerId,
        memo: `Payment ${paymentId} returned (${returnCode})`,
        lines: [
          ...(reopenedCents > 0
            ? [{ account: 'accounts_receivable' as const, debitCents: reopenedCents }]
            : []),
          ...(creditReversedCents > 0
            ? [{ account: 'customer_credit' as const, debitCents: creditReversedCents }]
            : []),
          { account: 'cash_clearing', creditCents: reversedCents },
        ],
      });
    }
    await manager.insert(PaymentReversalEntity, {
      paymentId,
      customerId,
      returnCode,
      reversedCents,
      reversedAt: now,
    });
    await manager.update(PendingPaymentEntity, { paymentId }, { status: 'returned' });
    await this.outbox.add(manager, {
      type: 'payment.reversed',
      customerId,
      subject: paymentId,
      correlationId: event.correlationid,
      data: {
        paymentId,
        customerId,
        amountCents,
        reversals: applications.map((application) => ({
          invoiceId: application.invoiceId,
          invoiceNumber: byId.get(application.invoiceId)!.invoiceNumber,
          amountCents: application.amountCents,
        })),
        creditReversedCents,
        returnCode,
      },
    });
    this.logger.log(
      `payment ${paymentId} of ${customerId} reversed (${returnCode}): ${reopenedCents} cents reopened, ${creditReversedCents} cents credit taken back`,
    );
  }
}
