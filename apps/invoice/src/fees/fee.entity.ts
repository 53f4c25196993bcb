import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

export type FeeKind = 'return' | 'paper';
export type FeeStatus = 'charged' | 'waived';

/**
 * A fee charged to a customer. A unique index on (payment_id) where kind = 'return' makes the return fee
 * exactly once per returned payment, whatever the job queue or the broker delivers twice.
 */
@Entity('fees')
export class FeeEntity {
  @PrimaryColumn({ name: 'fee_id', type: 'uuid' })
  feeId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  kind!: FeeKind;

  /** The invoice the fee is billed on: the fee invoice (return) or the paper invoice itself (paper). */
  @Column({ name: 'invoice_id', type: 'uuid' })
  invoiceId!: string;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ name: 'return_code', type: 'text', nullable: true })
  returnCode!: string | null;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @Column({ type: 'text' })
  status!: FeeStatus;

  @Column({ name: 'waived_reason', type: 'text', nullable: true })
  waivedReason!: string | null;

  @Column({ name: 'waived_by', type: 'text', nullable: true })
  waivedBy!: string | null;

  @Column({ name: 'waived_at', type: 'timestamptz', nullable: true })
  waivedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
