import { Column, Entity, PrimaryColumn } from 'typeorm';
import { centsTransformer } from '@remit/persistence';

/** A NACHA origination file as written: its totals in clear, its text encrypted at rest. */
@Entity('ach_files')
export class AchFileEntity {
  @PrimaryColumn({ name: 'file_id', type: 'uuid' })
  fileId!: string;

  @Column({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ name: 'file_id_modifier', type: 'char', length: 1 })
  fileIdModifier!: string;

  @Column({ name: 'entry_count', type: 'integer' })
  entryCount!: number;

  @Column({ name: 'total_debit_cents', type: 'bigint', transformer: centsTransformer })
  totalDebitCents!: number;

  @Column({ name: 'entry_hash', type: 'text' })
  entryHash!: string;

  /** AES-256-GCM of the NACHA text, bound to the file id (AccountNumberCipher). */
  @Column({ name: 'content_ciphertext', type: 'text' })
  contentCiphertext!: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  @Column({ name: 'file_name', type: 'text' })
  fileName!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
