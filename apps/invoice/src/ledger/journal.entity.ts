import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One journal entry of the double-entry ledger; its lines are `ledger_entries`. The database refuses
 * at commit a journal whose debits differ from its credits (migration 1764330000000).
 */
@Entity('journals')
export class JournalEntity {
  @PrimaryColumn({ name: 'journal_id', type: 'text' })
  journalId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  memo!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
