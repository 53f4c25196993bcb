import { Column, Entity, PrimaryColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/**
 * A received ACH return, applied once per payment (unique payment_id). Unmatched returns keep a null
 * payment id and stay listed for ops. The daily report reads return_code, amount_cents and
 * business_date of the matched rows.
 */
@Entity('ach_returns')
export class AchReturnEntity {
  @PrimaryColumn({ name: 'return_id', type: 'uuid' })
  returnId!: string;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  /** Trace number of the entry we originated (addenda 99, original entry trace number). */
  @Column({ name: 'trace_number', type: 'char', length: 15, nullable: true })
  traceNumber!: string | null;

  /** Trace number the returning bank gave the return entry. */
  @Column({ name: 'return_trace_number', type: 'char', length: 15, nullable: true })
  returnTraceNumber!: string | null;

  @Column({ name: 'return_code', type: 'text' })
  returnCode!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: centsTransformer })
  amountCents!: number;

  /** The business day the return was received on. */
  @Column({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ type: 'boolean' })
  matched!: boolean;

  @Column({ type: 'text' })
  source!: 'file' | 'ops';

  @Column({ name: 'received_by', type: 'text' })
  receivedBy!: string;
}
