import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/** One autopay run of a customer for a run date: the unique row that makes a rerun pay nothing more. */
@Entity('autopay_runs')
export class AutopayRunEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @PrimaryColumn({ name: 'run_date', type: 'date' })
  runDate!: string;

  /** `autopay:<customerId>:<runDate>`. */
  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ type: 'text' })
  outcome!: 'paid' | 'method-disabled';

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** The `autopay.upcoming` reminder of one autopay date, recorded once. */
@Entity('autopay_reminders')
export class AutopayReminderEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @PrimaryColumn({ name: 'autopay_date', type: 'date' })
  autopayDate!: string;

  @Column({ name: 'reminded_on', type: 'date' })
  remindedOn!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

export type AutopayPaymentOrigin = 'autopay' | 'representment';

/** A debit autopay made: a run's payment (attempt 0) or a re-presentment of it (attempt 1, 2). */
@Entity('autopay_payments')
export class AutopayPaymentEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  origin!: AutopayPaymentOrigin;

  /** The run's payment itself for attempt 0. */
  @Column({ name: 'original_payment_id', type: 'uuid' })
  originalPaymentId!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  /** The business date of the original debit: the 180-day re-presentment window counts from it. */
  @Column({ name: 'original_business_date', type: 'date' })
  originalBusinessDate!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

export type RepresentmentStatus = 'scheduled' | 'submitted' | 'not-presented';

/** A re-presentment decided on a return (R01, R09), presented by a delayed job on `presentOn`. */
@Entity('autopay_representments')
export class AutopayRepresentmentEntity {
  @PrimaryColumn({ name: 'original_payment_id', type: 'uuid' })
  originalPaymentId!: string;

  @PrimaryColumn({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'returned_payment_id', type: 'uuid' })
  returnedPaymentId!: string;

  @Column({ name: 'return_code', type: 'text' })
  returnCode!: string;

  @Column({ name: 'present_on', type: 'date' })
  presentOn!: string;

  @Column({ type: 'text' })
  status!: RepresentmentStatus;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
