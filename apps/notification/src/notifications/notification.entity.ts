import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type NotificationChannel = 'email' | 'webhook';
export type NotificationStatus = 'pending' | 'sent' | 'failed';

/** The notification log: one row per (event, channel), which is what makes sending exactly-once. */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryColumn({ name: 'notification_id', type: 'uuid' })
  notificationId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  channel!: NotificationChannel;

  @Column({ name: 'recipient', type: 'text' })
  to!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text' })
  status!: NotificationStatus;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
