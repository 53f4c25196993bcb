import { Column, Entity, PrimaryColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/**
 * Intake's read model of invoices, fed by invoice.events.v1: intake validates a payment against it
 * without reading the invoice service's tables or calling it (docs/architecture.md: each service owns its data).
 */
@Entity('invoice_view')
export class InvoiceViewEntity {
  @PrimaryColumn({ name: 'invoice_id', type: 'uuid' })
  invoiceId!: string;

  @Column({ name: 'invoice_number', type: 'text' })
  invoiceNumber!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'due_date', type: 'date' })
  dueDate!: string;

  @Column({ name: 'invoice_date', type: 'date' })
  invoiceDate!: string;

  @Column({ name: 'amount_due_cents', type: 'bigint', transformer: centsTransformer })
  amountDueCents!: number;

  @Column({ type: 'text' })
  status!: 'open' | 'paid';

  /** The time of the snapshot last applied (its event's `time`, at invoice). */
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** When intake wrote that snapshot here: with `updatedAt`, how long the invoice took to be payable. */
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  /** The invoice's version in the snapshot last applied (0: a snapshot from before versions). */
  @Column({ type: 'integer', default: 0 })
  version!: number;
}
