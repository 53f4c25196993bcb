import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { PaymentMethodType } from '@remit/contracts';
import { centsTransformer } from '@remit/persistence';

/**
 * `authorizing`: a card payment waiting for its processor's answer (settlement's own step, never
 * published). The others are the contracts' payment statuses; part of them are written by ACH
 * origination and returns. The column is text without a CHECK (see migration 1764310000000).
 */
export type SettlementStatus =
  'authorizing' | 'scheduled' | 'awaiting_funds' | 'posted' | 'failed' | 'expired' | 'returned' | 'canceled';

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

  /** card: the processor's token (never a card number). */
  @Column({ name: 'card_token', type: 'text', nullable: true })
  cardToken!: string | null;

  /** card: the processor's authorisation id of the approved capture. */
  @Column({ name: 'authorization_id', type: 'text', nullable: true })
  authorizationId!: string | null;

  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode!: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** check and wire: the business date from which a declared payment never received is expired. */
  @Column({ name: 'expires_on', type: 'date', nullable: true })
  expiresOn!: string | null;

  @Column({ name: 'status_changed_at', type: 'timestamptz', nullable: true })
  statusChangedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
