import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused, Outbox } from '@remit/messaging';
import { allocatePayment, spendCreditLots } from '@remit/money';
import { AppError } from '@remit/platform';
import { CustomerEntity } from '../customers/customer.entity';
import { InvoicesService } from '../invoices/invoices.service';
import { LedgerService } from '../ledger/ledger.service';
import { CreditLotEntity, type CreditSourceKind } from './credit-lot.entity';

/**
 * A customer's lots with credit left, oldest first, locked for the spend. `remaining_cents > 0` is
 * written into the SQL: it is the predicate of `credit_lots_open_idx`, and PostgreSQL uses a partial
 * index only for a condition that implies its predicate, which a parameter (`MoreThan(0)`) does in a
 * plan made for its value but not in the generic plan a prepared statement may run (ADR 0021): that
 * one read every lot the customer ever had, spent ones included.
 */
export function openCreditLotsQuery(
  manager: EntityManager,
  customerId: string,
): SelectQueryBuilder<CreditLotEntity> {
  return manager
    .getRepository(CreditLotEntity)
    .createQueryBuilder('lot')
    .where('lot.customerId = :customerId', { customerId })
    .andWhere('lot.remainingCents > 0')
    .orderBy('lot.lotId', 'ASC')
    .setLock('pessimistic_write');
}

export interface CreditApplicationResult {
  appliedCents: number;
  remainingCreditCents: number;
  applications: { invoiceId: string; invoiceNumber: string; amountCents: number }[];
}

/**
 * Customer credit (docs/architecture.md, "invoice": leftover becomes customer credit): kept in lots by source,
 * applied automatically, oldest due first, to the customer's open invoices when an invoice is issued or
 * a receipt arrives, and when ops ask for it.
 */
@Injectable()
export class CreditService {
  private readonly logger = new Logger(CreditService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly ledger: LedgerService,
    private readonly invoices: InvoicesService,
  ) {}

  /** Adds credit from one source; the customer row must be locked by the caller. */
  async addLot(
    manager: EntityManager,
    customer: CustomerEntity,
    sourceKind: CreditSourceKind,
    sourceId: string,
    amountCents: number,
  ): Promise<void> {
    await manager.insert(CreditLotEntity, {
      customerId: customer.customerId,
      sourceKind,
      sourceId,
      amountCents,
      remainingCents: amountCents,
    });
    customer.creditBalanceCents += amountCents;
    await manager.update(
      CustomerEntity,
      { customerId: customer.customerId },
      { creditBalanceCents: customer.creditBalanceCents },
    );
  }

  /**
   * Applies the customer's credit to its open invoices, oldest due first, in one journal and one
   * `credit.applied`. The customer row must be locked by the caller. Returns null when nothing applied.
   */
  async applyAvailable(
    manager: EntityManager,
    customer: CustomerEntity,
  ): Promise<CreditApplicationResult | null> {
    if (customer.creditBalanceCents === 0) return null;
    const open = await this.invoices.lockOpenInvoices(manager, customer.customerId);
    const allocation = allocatePayment({
      amountCents: customer.creditBalanceCents,
      invoices: open.map(({ invoiceId, dueDate, invoiceDate, amountDueCents }) => ({
        invoiceId,
        dueDate,
        invoiceDate,
        amountDueCents,
      })),
    });
    if (allocation.applications.length === 0) return null;
    const lots = await openCreditLotsQuery(manager, customer.customerId).getMany();
    const spends = spendCreditLots(lots, allocation.applications);
    const lotById = new Map(lots.map((lot) => [lot.lotId, lot]));
    for (const spend of spends) {
      const lot = lotById.get(spend.lotId)!;
      lot.remainingCents -= spend.amountCents;
      await manager.update(CreditLotEntity, { lotId: lot.lotId }, { remainingCents: lot.remainingCents });
      // Recorded as an application of the credit's source, so a return of that payment undoes it too.
      await manager.query(
        `INSERT INTO invoice.payment_applications (payment_id, invoice_id, customer_id, amount_cents)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (payment_id, invoice_id)
         DO UPDATE SET amount_cents = invoice.payment_applications.amount_cents + EXCLUDED.amount_cents`,
        [lot.sourceId, spend.invoiceId, customer.customerId, spend.amountCents],
      );
    }
    const byId = new Map(open.map((invoice) => [invoice.invoiceId, invoice]));
    for (const application of allocation.applications) {
      const invoice = byId.get(application.invoiceId)!;
      await this.invoices.setAmountDue(manager, invoice, invoice.amountDueCents - application.amountCents);
    }
    const appliedCents = customer.creditBalanceCents - allocation.creditCents;
    customer.creditBalanceCents = allocation.creditCents;
    await manager.update(
      CustomerEntity,
      { customerId: customer.customerId },
      { creditBalanceCents: customer.creditBalanceCents },
    );
    await this.ledger.record(manager, {
      journalId: `credit:${randomUUID()}`,
      customerId: customer.customerId,
      memo: `Customer credit applied to ${allocation.applications.length} invoice(s)`,
      lines: [
        { account: 'customer_credit', debitCents: appliedCents },
        { account: 'accounts_receivable', creditCents: appliedCents },
      ],
    });
    const applications = allocation.applications.map((application) => ({
      ...application,
      invoiceNumber: byId.get(application.invoiceId)!.invoiceNumber,
    }));
    await this.outbox.add(manager, {
      type: 'credit.applied',
      customerId: customer.customerId,
      subject: customer.customerId,
      data: {
        customerId: customer.customerId,
        applications,
        appliedCents,
        remainingCreditCents: customer.creditBalanceCents,
      },
    });
    this.logger.log(
      `credit of ${customer.customerId}: ${appliedCents} cents applied, ${customer.creditBalanceCents} cents left`,
    );
    return { appliedCents, remainingCreditCents: customer.creditBalanceCents, applications };
  }

  /** `POST /v1/customers/{id}/credit/apply` (ops). */
  async applyForCustomer(customerId: string): Promise<CreditApplicationResult> {
    return this.dataSource.transaction(async (manager) => {
      const customer = await this.invoices.lockCustomer(manager, customerId);
      if (!customer) throw AppError.notFound('CUSTOMER.NOT_FOUND', `customer ${customerId} not found`);
      return (
        (await this.applyAvailable(manager, customer)) ?? {
          appliedCents: 0,
          remainingCreditCents: customer.creditBalanceCents,
          applications: [],
        }
      );
    });
  }

  /**
   * A check or wire that matched no declared payment (docs/architecture.md, flow 4) becomes customer credit,
   * then pays the customer's open invoices oldest due first.
   */
  async onUnmatchedReceipt(event: CloudEvent<'receipt.unmatched'>, manager: EntityManager): Promise<void> {
    const { receiptId, customerId, amountCents, type, reference } = event.data;
    const customer = await this.invoices.lockCustomer(manager, customerId);
    if (!customer) {
      throw new EventRefused('CUSTOMER.UNKNOWN', `receipt ${receiptId} for unknown customer ${customerId}`);
    }
    const seen = await manager.existsBy(CreditLotEntity, { sourceKind: 'receipt', sourceId: receiptId });
    if (seen) {
      this.logger.warn(`receipt ${receiptId} is already credited`);
      return;
    }
    await this.addLot(manager, customer, 'receipt', receiptId, amountCents);
    await this.ledger.record(manager, {
      journalId: `receipt:${receiptId}`,
      customerId,
      memo: `Unmatched ${type} receipt ${reference}`,
      lines: [
        { account: 'cash_clearing', debitCents: amountCents },
        { account: 'customer_credit', creditCents: amountCents },
      ],
    });
    await this.applyAvailable(manager, customer);
  }
}
