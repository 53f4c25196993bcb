import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/** Chart of accounts of the double-entry ledger. */
export type LedgerAccount =
  'accounts_receivable' | 'revenue' | 'fee_revenue' | 'cash_clearing' | 'customer_credit';

/** One line of a journal entry: exactly one of debit or credit is non-zero. */
@Entity('ledger_entries')
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'entry_id' })
  entryId!: string;

  /** Insertion order, for the activity's running balance and its cursor. */
  @Column({ type: 'bigint', insert: false, update: false, transformer: centsTransformer })
  seq!: number;

  @Column({ name: 'journal_id', type: 'text' })
  journalId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  account!: LedgerAccount;

  @Column({ name: 'debit_cents', type: 'bigint', transformer: centsTransformer })
  debitCents!: number;

  @Column({ name: 'credit_cents', type: 'bigint', transformer: centsTransformer })
  creditCents!: number;

  @Column({ type: 'text' })
  memo!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
