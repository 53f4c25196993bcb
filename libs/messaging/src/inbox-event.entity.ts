import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One event a consumer group has processed, written in the same transaction as the event's effect:
 * a redelivered event finds its row and is skipped (docs/architecture.md, Kafka: consumers are idempotent).
 */
@Entity({ name: 'inbox_events' })
export class InboxEventEntity {
  @PrimaryColumn({ name: 'consumer_group', type: 'text' })
  consumerGroup!: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'integer' })
  partition!: number;

  /** Kafka offsets are 64-bit; kept as text, as kafkajs gives them. */
  @Column({ type: 'text' })
  offset!: string;

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt!: Date;
}
