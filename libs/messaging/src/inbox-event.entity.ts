import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One event a consumer group has processed, written in the same transaction as the event's effect:
 * a redelivered event finds its row and is skipped (docs/architecture.md, Kafka: consumers are idempotent).
 */
@Entity({ name: 'inbox_events' })
@Index('inbox_events_processed_idx', ['processedAt'])
export class InboxEventEntity {
  /**
   * The consumer's short name (`InboxConsumerOptions.groupId`), without the environment's Kafka
   * group prefix: changing the prefix starts a new Kafka group from the earliest offset, and the
   * inbox must still recognise every event it already applied.
   */
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
