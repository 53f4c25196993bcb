import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { PaymentMethodType } from '@remit/contracts';
import { centsTransformer } from '@remit/persistence';

export type SettlementStatus = 'scheduled' | 'posted' | 'returned' | 'canceled';

/** Settlement's record of a payment it has to post: when, and whether it has. */
@Entity('settlement_payments')
export class SettlementPaymentEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @Column({ name: 'method_type', type: 'text' })
  methodType!: PaymentMethodType;

  @Column({ type: 'text', nullable: true })
  last4!: string | null;

  @Column({ type: 'jsonb' })
  invoices!: { invoiceId: string; amountCents?: number }[];

  @Column({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ name: 'posting_date', type: 'date' })
  postingDate!: string;

  @Column({ type: 'text' })
  status!: SettlementStatus;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'posted_at', type: 'timestamptz', nullable: true })
  postedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
