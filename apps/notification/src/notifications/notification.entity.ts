import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type NotificationChannel = 'email' | 'webhook';
/** pending → sent | failed (retried) → sent | dead (retries exhausted). */
export type NotificationStatus = 'pending' | 'sent' | 'failed' | 'dead';

/**
 * The recipient of an email recorded before invoice's `customer.created` reached notification (the
 * topics are not ordered with each other): the delivery looks the address up when it sends, and
 * retries until it is known. Webhooks and the partition are never held up by it.
 */
export const RECIPIENT_NOT_YET_KNOWN = '';

/**
 * The notification log: one row per (event, channel, recipient), which is what makes sending
 * exactly-once. An email's recipient is its address, a webhook's its endpoint id.
 */
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

  /** An email's plain text, a webhook's JSON body. */
  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text', nullable: true })
  html!: string | null;

  @Column({ name: 'endpoint_id', type: 'uuid', nullable: true })
  endpointId!: string | null;

  @Column({ type: 'text' })
  status!: NotificationStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  /** Until when a delivery has claimed it (DeliverNotificationService). */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
