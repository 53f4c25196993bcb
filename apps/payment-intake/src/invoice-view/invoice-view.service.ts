import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { qualifiedTableName } from '@remit/messaging';
import { PaymentEntity } from '../payments/payment.entity';
import { InvoiceViewEntity } from './invoice-view.entity';

/**
 * Keeps intake's invoice read model current from invoice.events.v1, and learns there when invoice
 * has applied a posted payment (`payment.applied`, same topic and key, so it arrives after the
 * balance changes it caused): from then on the payment no longer counts as money in flight.
 */
@Injectable()
export class InvoiceViewService {
  private readonly logger = new Logger(InvoiceViewService.name);

  /** Only a newer version replaces what the view holds: a replayed old snapshot changes nothing. */
  async upsert(
    event: CloudEvent<'invoice.issued'> | CloudEvent<'invoice.balance-changed'>,
    manager: EntityManager,
  ): Promise<void> {
    const invoice = event.data;
    const version = invoice.version ?? 0;
    const table = qualifiedTableName(manager.connection, InvoiceViewEntity);
    const applied: unknown[] = await manager.query(
      `INSERT INTO ${table} AS view
         (invoice_id, invoice_number, customer_id, due_date, invoice_date, amount_due_cents, status, updated_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (invoice_id) DO UPDATE
          SET amount_due_cents = EXCLUDED.amount_due_cents, status = EXCLUDED.status,
              due_date = EXCLUDED.due_date, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
        WHERE view.version < EXCLUDED.version
       RETURNING invoice_id`,
      [
        invoice.invoiceId,
        invoice.invoiceNumber,
        invoice.customerId,
        invoice.dueDate,
        invoice.invoiceDate,
        invoice.amountDueCents,
        invoice.status,
        new Date(event.time),
        version,
      ],
    );
    if (applied.length === 0) {
      this.logger.log(
        `invoice ${invoice.invoiceNumber}: snapshot version ${version} is not newer than the view's; ignored`,
      );
      return;
    }
    this.logger.debug(
      `invoice ${invoice.invoiceNumber} v${version} now owes ${invoice.amountDueCents} cents (${invoice.status})`,
    );
  }

  async markApplied(event: CloudEvent<'payment.applied'>, manager: EntityManager): Promise<void> {
    // A SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
    const marked = await manager.query<unknown[]>(
      `WITH marked AS (
         UPDATE ${qualifiedTableName(manager.connection, PaymentEntity)}
            SET applied_at = $2, updated_at = CURRENT_TIMESTAMP
          WHERE payment_id = $1 AND applied_at IS NULL
         RETURNING 1)
       SELECT 1 FROM marked`,
      [event.data.paymentId, new Date(event.time)],
    );
    if (marked.length > 0) this.logger.log(`payment ${event.data.paymentId} applied by invoice`);
  }
}
