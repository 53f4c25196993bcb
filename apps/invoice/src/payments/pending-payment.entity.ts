import { Column, Entity, PrimaryColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

export type PendingPaymentStatus = 'pending' | 'posted' | 'returned' | 'canceled' | 'failed' | 'expired';

/**
 * Money a customer has submitted that has not posted yet. It is shown as pendingPaymentsCents and
 * never reduces the balance: pending money is not paid money (docs/architecture.md, public contract).
 */
@Entity('pending_payments')
export class PendingPaymentEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @Column({ type: 'text' })
  status!: PendingPaymentStatus;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt!: Date;

  /** A re-presentment: the returned payment it presents again (one return fee for both, libs/fees). */
  @Column({ name: 'original_payment_id', type: 'uuid', nullable: true })
  originalPaymentId!: string | null;
}
