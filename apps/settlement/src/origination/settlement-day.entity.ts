import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A business day whose ACH cutoff has been processed (its file written, if it had entries). */
@Entity('settlement_days')
export class SettlementDayEntity {
  @PrimaryColumn({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ name: 'closed_at', type: 'timestamptz' })
  closedAt!: Date;
}
