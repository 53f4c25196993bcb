import {
  Column,
  CreateDateColumn,
  Entity,
  OneToMany,
  PrimaryColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { centsTransformer } from '@remit/persistence';
import { InvoiceLineEntity } from './invoice-line.entity';

export type InvoiceStatus = 'open' | 'paid';

@Entity('invoices')
export class InvoiceEntity {
  @PrimaryColumn({ name: 'invoice_id', type: 'uuid' })
  invoiceId!: string;

  @Column({ name: 'invoice_number', type: 'text', unique: true })
  invoiceNumber!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'account_number', type: 'text' })
  accountNumber!: string;

  @Column({ name: 'invoice_date', type: 'date' })
  invoiceDate!: string;

  @Column({ name: 'due_date', type: 'date' })
  dueDate!: string;

  @Column({ name: 'invoice_amount_cents', type: 'bigint', transformer: centsTransformer })
  invoiceAmountCents!: number;

  @Column({ name: 'amount_due_cents', type: 'bigint', transformer: centsTransformer })
  amountDueCents!: number;

  @Column({ type: 'text' })
  status!: InvoiceStatus;

  /**
   * Grows by one with every change (always under the row lock), and travels in every snapshot event,
   * so readers keep the newest snapshot even when an older one is delivered again.
   */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @OneToMany(() => InvoiceLineEntity, (line) => line.invoice, { cascade: ['insert'] })
  lines!: Relation<InvoiceLineEntity>[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
