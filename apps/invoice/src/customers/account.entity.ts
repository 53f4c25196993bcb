import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { CustomerEntity } from './customer.entity';

/** One billing account per site; its 7-digit number is printed on the customer's invoices. */
@Entity('accounts')
export class AccountEntity {
  @PrimaryColumn({ name: 'account_number', type: 'text' })
  accountNumber!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, (customer) => customer.accounts)
  @JoinColumn({ name: 'customer_id' })
  customer?: Relation<CustomerEntity>;

  @Column({ name: 'site_name', type: 'text' })
  siteName!: string;

  @Column({ type: 'text' })
  city!: string;
}
