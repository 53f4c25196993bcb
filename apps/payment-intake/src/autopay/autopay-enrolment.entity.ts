import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type AutopayStatus = 'active' | 'suspended' | 'canceled';

/** A customer's autopay enrolment: pays due invoices with a saved method (the autopay-run.service.ts runs them). */
@Entity('autopay_enrolments')
export class AutopayEnrolmentEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'payment_method_id', type: 'uuid' })
  paymentMethodId!: string;

  @Column({ name: 'days_before_due', type: 'integer' })
  daysBeforeDue!: number;

  @Column({ type: 'text' })
  status!: AutopayStatus;

  @Column({ name: 'suspended_reason', type: 'text', nullable: true })
  suspendedReason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
