import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { PaymentEntity, type PaymentStatus } from './payment.entity';

@Entity('payment_status_history')
export class PaymentStatusChangeEntity {
  @PrimaryGeneratedColumn('identity', { name: 'change_id', type: 'bigint' })
  changeId!: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @ManyToOne(() => PaymentEntity, (payment) => payment.history)
  @JoinColumn({ name: 'payment_id' })
  payment?: Relation<PaymentEntity>;

  @Column({ type: 'text' })
  status!: PaymentStatus;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** The event that caused the change, so a redelivered event cannot add a second row. */
  @Column({ name: 'source_event_id', type: 'text', nullable: true })
  sourceEventId!: string | null;
}
