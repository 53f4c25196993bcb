import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const PAYMENT_METHOD_STATUSES = ['active', 'disabled', 'deleted'] as const;
export type PaymentMethodStatus = (typeof PAYMENT_METHOD_STATUSES)[number];

/** A customer's saved bank account; the account number only as ciphertext bound to this method's id. */
@Entity('payment_methods')
export class PaymentMethodEntity {
  @PrimaryColumn({ name: 'payment_method_id', type: 'uuid' })
  paymentMethodId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'routing_number', type: 'text' })
  routingNumber!: string;

  @Column({ type: 'text' })
  last4!: string;

  /** AES-256-GCM, additional authenticated data = the payment method id; never logged, never returned. */
  @Column({ name: 'account_number_ciphertext', type: 'text' })
  accountNumberCiphertext!: string;

  @Column({ name: 'encryption_key_id', type: 'text' })
  encryptionKeyId!: string;

  /** Keyed HMAC of routing + account number: finds the same account again without clear text. */
  @Column({ type: 'text' })
  fingerprint!: string;

  @Column({ name: 'account_holder_name', type: 'text', nullable: true })
  accountHolderName!: string | null;

  @Column({ type: 'text' })
  status!: PaymentMethodStatus;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'return_code', type: 'text', nullable: true })
  returnCode!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
