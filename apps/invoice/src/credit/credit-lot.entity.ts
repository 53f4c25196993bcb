import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

export type CreditSourceKind = 'payment' | 'receipt' | 'waiver';

/**
 * Where a customer's credit came from and how much of it is left. Credit is used oldest lot first, and
 * each use is recorded as an application of the lot's source, so a returned payment reverses exactly
 * its own credit, spent or not. The sum of `remaining_cents` equals the customer's credit balance.
 */
@Entity('credit_lots')
export class CreditLotEntity {
  @PrimaryGeneratedColumn({ name: 'lot_id', type: 'bigint' })
  lotId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ name: 'source_kind', type: 'text' })
  sourceKind!: CreditSourceKind;

  @Column({ name: 'source_id', type: 'uuid' })
  sourceId!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  @Column({ name: 'remaining_cents', type: 'bigint', transformer: centsTransformer })
  remainingCents!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
