import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { deferToBatch, qualifiedTableName } from '@remit/messaging';
import { SqlParameters } from '@remit/persistence';
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

  /**
   * Defers the snapshot to the end of its consumer transaction (`manager` must be a consumer's): the
   * snapshots of one batch go in with one statement (`applySnapshots`). Nothing in intake's consumers
   * reads the view in the same transaction (markApplied writes payments only), so none needs the
   * flush earlier; one that does must call `flushBatchWork(manager)` first.
   */
  upsert(
    event: CloudEvent<'invoice.issued'> | CloudEvent<'invoice.balance-changed'>,
    manager: EntityManager,
  ): Promise<void> {
    const invoice = event.data;
    deferToBatch<InvoiceSnapshot>(
      manager,
      this,
      {
        invoiceId: invoice.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        customerId: invoice.customerId,
        dueDate: invoice.dueDate,
        invoiceDate: invoice.invoiceDate,
        amountDueCents: invoice.amountDueCents,
        status: invoice.status,
        updatedAt: new Date(event.time),
        version: invoice.version ?? 0,
      },
      (snapshots, flushManager) => this.applySnapshots(snapshots, flushManager),
    );
    return Promise.resolve();
  }

  /**
   * The snapshots of one batch, in one multi-row upsert. Only a newer version replaces what the view
   * holds: a replayed old snapshot changes nothing. ON CONFLICT may touch a row only once per
   * statement, so the batch's snapshots of one invoice come down first to the one that one at a time
   * would have been left standing: the highest version, the earliest of equals (a later equal one
   * would have been ignored as not newer). Rows go in invoice id order, the order in which
   * `SubmitPaymentService` locks invoices, so the two take turns over invoice rows instead of
   * deadlocking.
   */
  private async applySnapshots(snapshots: InvoiceSnapshot[], manager: EntityManager): Promise<void> {
    if (snapshots.length === 0) return;
    const newest = new Map<string, InvoiceSnapshot>();
    for (const snapshot of snapshots) {
      const key = snapshot.invoiceId.toLowerCase();
      const kept = newest.get(key);
      if (!kept || snapshot.version > kept.version) newest.set(key, snapshot);
    }
    const rows = [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const parameters = new SqlParameters();
    const values = rows.map(([, row]) => {
      const first = parameters.addAll([
        row.invoiceId,
        row.invoiceNumber,
        row.customerId,
        row.dueDate,
        row.invoiceDate,
        row.amountDueCents,
        row.status,
        row.updatedAt,
        row.version,
      ]);
      // received_at: this statement's own time (the last before the batch's commit), not the transaction's.
      return `(${Array.from({ length: 9 }, (_unused, column) => `$${first + column}`).join(', ')}, clock_timestamp())`;
    });
    const applied = await manager.query<{ invoice_id: string }[]>(
      `INSERT INTO ${qualifiedTableName(manager.connection, InvoiceViewEntity)} AS view
         (invoice_id, invoice_number, customer_id, due_date, invoice_date, amount_due_cents, status, updated_at, version,
          received_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (invoice_id) DO UPDATE
          SET amount_due_cents = EXCLUDED.amount_due_cents, status = EXCLUDED.status,
              due_date = EXCLUDED.due_date, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
              received_at = EXCLUDED.received_at
        WHERE view.version < EXCLUDED.version
       RETURNING invoice_id`,
      parameters.values,
    );
    const written = new Set(applied.map((row) => row.invoice_id.toLowerCase()));
    // One line per snapshot, in the order they came, meaning what it meant one snapshot at a time.
    for (const snapshot of snapshots) {
      const key = snapshot.invoiceId.toLowerCase();
      const kept = newest.get(key) as InvoiceSnapshot;
      if (kept === snapshot && written.has(key)) {
        this.logger.debug(
          `invoice ${snapshot.invoiceNumber} v${snapshot.version} now owes ${snapshot.amountDueCents} cents (${snapshot.status})`,
        );
      } else if (kept.version > snapshot.version && written.has(key)) {
        // Applied alone it might have been written, then overwritten by the newer one: no different in the end.
        this.logger.debug(
          `invoice ${snapshot.invoiceNumber}: snapshot version ${snapshot.version} superseded by version ${kept.version} in the same batch`,
        );
      } else {
        // Not newer than the view's version, or than an equal one before it in the batch.
        this.logger.log(
          `invoice ${snapshot.invoiceNumber}: snapshot version ${snapshot.version} is not newer than the view's; ignored`,
        );
      }
    }
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

/** One invoice snapshot waiting for the end of its consumer transaction, as the view will hold it. */
interface InvoiceSnapshot {
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  dueDate: string;
  invoiceDate: string;
  amountDueCents: number;
  status: 'open' | 'paid';
  updatedAt: Date;
  version: number;
}
