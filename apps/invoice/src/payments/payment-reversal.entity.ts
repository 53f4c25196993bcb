import { Column, Entity, PrimaryColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/** A returned payment, reversed once: its primary key stops a second return message from reversing again. */
@Entity('payment_reversals')
export class PaymentReversalEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'return_code', type: 'text' })
  returnCode!: string;

  @Column({ name: 'reversed_cents', type: 'bigint', transformer: centsTransformer })
  reversedCents!: number;

  @Column({ name: 'reversed_at', type: 'timestamptz' })
  reversedAt!: Date;
}
