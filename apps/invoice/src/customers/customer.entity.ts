import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, type Relation } from 'typeorm';
import { centsTransformer } from '@remit/persistence';
import { AccountEntity } from './account.entity';

export type BillingDelivery = 'email' | 'paper';

@Entity('customers')
export class CustomerEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'billing_delivery', type: 'text' })
  billingDelivery!: BillingDelivery;

  /** Money received beyond what was applied to invoices (docs/architecture.md: leftover becomes customer credit). */
  @Column({ name: 'credit_balance_cents', type: 'bigint', transformer: centsTransformer, default: 0 })
  creditBalanceCents!: number;

  @OneToMany(() => AccountEntity, (account) => account.customer, { cascade: ['insert'] })
  accounts!: Relation<AccountEntity>[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
