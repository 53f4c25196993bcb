import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { centsTransformer } from '@remit/persistence';
import { InvoiceEntity } from './invoice.entity';

@Entity('invoice_lines')
export class InvoiceLineEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'line_id' })
  lineId!: string;

  @Column({ name: 'invoice_id', type: 'uuid' })
  invoiceId!: string;

  @ManyToOne(() => InvoiceEntity, (invoice) => invoice.lines)
  @JoinColumn({ name: 'invoice_id' })
  invoice?: Relation<InvoiceEntity>;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;
}
