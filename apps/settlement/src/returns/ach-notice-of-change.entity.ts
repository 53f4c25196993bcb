import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A notification of change (COR entry, addenda 98); a corrected account number only as ciphertext. */
@Entity('ach_notices_of_change')
export class AchNoticeOfChangeEntity {
  @PrimaryColumn({ name: 'notice_id', type: 'uuid' })
  noticeId!: string;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ name: 'trace_number', type: 'char', length: 15 })
  traceNumber!: string;

  @Column({ name: 'change_code', type: 'text' })
  changeCode!: string;

  @Column({ name: 'corrected_routing_number', type: 'char', length: 9, nullable: true })
  correctedRoutingNumber!: string | null;

  @Column({ name: 'corrected_account_ciphertext', type: 'text', nullable: true })
  correctedAccountCiphertext!: string | null;

  @Column({ name: 'corrected_account_key_id', type: 'text', nullable: true })
  correctedAccountKeyId!: string | null;

  @Column({ name: 'corrected_account_last4', type: 'text', nullable: true })
  correctedAccountLast4!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
