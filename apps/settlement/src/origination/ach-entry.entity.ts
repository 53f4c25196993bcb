import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { PaymentMethodType } from '@remit/contracts';
import { centsTransformer } from '@remit/persistence';

/** `failed`: its bank account could not be read when the day's file was written; never sent. */
export type AchEntryStatus = 'pending' | 'in_file' | 'returned' | 'canceled' | 'failed';

/**
 * One ACH debit to originate: the account only as ciphertext bound to the payment id
 * (docs/architecture.md, "Money and data"), decrypted only while its file is written.
 */
@Entity('ach_entries')
export class AchEntryEntity {
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

  @Column({ name: 'payment_method_id', type: 'text', nullable: true })
  paymentMethodId!: string | null;

  @Column({ name: 'routing_number', type: 'char', length: 9 })
  routingNumber!: string;

  @Column({ name: 'account_number_ciphertext', type: 'text' })
  accountNumberCiphertext!: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  @Column({ name: 'account_holder_name', type: 'text', nullable: true })
  accountHolderName!: string | null;

  @Column({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ type: 'text' })
  status!: AchEntryStatus;

  @Column({ name: 'file_id', type: 'uuid', nullable: true })
  fileId!: string | null;

  @Column({ name: 'trace_number', type: 'char', length: 15, nullable: true })
  traceNumber!: string | null;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
