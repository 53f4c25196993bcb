import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/**
 * Posted money applied to one invoice, directly or through the credit it left (then `payment_id` is the
 * credit's source: a payment, a receipt or a waived fee). A payment's applications plus its unspent
 * credit equal its amount.
 */
@Entity('payment_applications')
export class PaymentApplicationEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'application_id' })
  applicationId!: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'invoice_id', type: 'uuid' })
  invoiceId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @CreateDateColumn({ name: 'applied_at', type: 'timestamptz' })
  appliedAt!: Date;

  /** Set when the payment was returned and this application undone. */
  @Column({ name: 'reversed_at', type: 'timestamptz', nullable: true })
  reversedAt!: Date | null;
}
