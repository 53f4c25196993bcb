import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A customer site as invoice describes it (its 7-digit customer account number, not a bank account). */
export interface RecipientSite {
  accountNumber: string;
  siteName: string;
  city: string;
}

/** Who hears about a customer's payments: kept from invoice's `customer.created` / `customer.updated`. */
@Entity('recipients')
export class RecipientEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'jsonb' })
  sites!: RecipientSite[];

  /** The time of the customer event this row came from: an older event never overwrites a newer one. */
  @Column({ name: 'event_time', type: 'timestamptz' })
  eventTime!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
