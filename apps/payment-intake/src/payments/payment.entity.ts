import {
  Column,
  CreateDateColumn,
  Entity,
  OneToMany,
  PrimaryColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { PaymentMethodType } from '@remit/contracts';
import { centsTransformer } from '@remit/persistence';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';

export const PAYMENT_STATUSES = [
  'submitted',
  'scheduled',
  'posted',
  'returned',
  'awaiting_funds',
  'failed',
  'canceled',
  'expired',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

@Entity('payments')
export class PaymentEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @Column({ type: 'text' })
  currency!: 'USD';

  @Column({ type: 'text' })
  status!: PaymentStatus;

  @Column({ name: 'method_type', type: 'text' })
  methodType!: PaymentMethodType;

  @Column({ type: 'text', nullable: true })
  last4!: string | null;

  @Column({ name: 'routing_number', type: 'text', nullable: true })
  routingNumber!: string | null;

  /** AES-256-GCM ciphertext of the bank account number; never logged, never returned. */
  @Column({ name: 'account_number_ciphertext', type: 'text', nullable: true })
  accountNumberCiphertext!: string | null;

  @Column({ name: 'encryption_key_id', type: 'text', nullable: true })
  encryptionKeyId!: string | null;

  @Column({ name: 'account_holder_name', type: 'text', nullable: true })
  accountHolderName!: string | null;

  /** The saved method it was paid with (saved, or ach with remember/autopay). */
  @Column({ name: 'payment_method_id', type: 'uuid', nullable: true })
  paymentMethodId!: string | null;

  /** The invoices chosen in the portal, each with the amount paid on it (resolved at submission). */
  @Column({ type: 'jsonb' })
  invoices!: { invoiceId: string; amountCents: number }[];

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt!: Date;

  @Column({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ name: 'expected_posting_date', type: 'date' })
  expectedPostingDate!: string;

  @Column({ type: 'text' })
  notice!: string;

  /** The id of its `payment.submitted` event: a re-drive publishes that same event again. */
  @Column({ name: 'submitted_event_id', type: 'uuid', nullable: true })
  submittedEventId!: string | null;

  /** When invoice applied the posted money (`payment.applied`); until then it still counts as in flight. */
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt!: Date | null;

  /** The last time its `payment.submitted` was published again because settlement had not answered. */
  @Column({ name: 'redriven_at', type: 'timestamptz', nullable: true })
  redrivenAt!: Date | null;

  /** When settlement first answered for it; until then the re-drive may publish it again. */
  @Column({ name: 'settlement_acknowledged_at', type: 'timestamptz', nullable: true })
  settlementAcknowledgedAt!: Date | null;

  @OneToMany(() => PaymentStatusChangeEntity, (change) => change.payment)
  history?: Relation<PaymentStatusChangeEntity>[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
