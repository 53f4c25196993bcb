import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The unsent rows that were claimed, retried or parked: a superset of those out of the relay's reach
 * (`claimable` in outbox-relay.ts, which adds the times). `prefix` qualifies the columns (`h.`)
 * for a query that must repeat the index predicate word for word for PostgreSQL to use the index.
 */
export const outboxHeld = (prefix = ''): string =>
  `${prefix}sent_at IS NULL AND (${prefix}parked_at IS NOT NULL OR ${prefix}next_attempt_at IS NOT NULL OR ${prefix}claimed_until IS NOT NULL)`;

/** The predicate of `outbox_events_held_key_idx`. */
export const OUTBOX_HELD_PREDICATE = outboxHeld();

/**
 * One event waiting to be (or already) published, written in the same transaction as the state
 * change it announces. No schema here: each service's DataSource sets `schema`, so the table lives
 * in that service's schema. Created by `createMessagingTables` from the service's first migration,
 * completed by `upgradeMessagingTablesV2` and `upgradeMessagingTablesV3`.
 */
@Entity({ name: 'outbox_events' })
@Index('outbox_events_unsent_idx', ['createdAt', 'seq'], { where: 'sent_at IS NULL' })
@Index('outbox_events_unsent_key_idx', ['messageKey', 'createdAt', 'seq'], { where: 'sent_at IS NULL' })
@Index('outbox_events_held_key_idx', ['messageKey', 'createdAt', 'seq'], { where: OUTBOX_HELD_PREDICATE })
@Index('outbox_events_sent_idx', ['sentAt'], { where: 'sent_at IS NOT NULL' })
export class OutboxEventEntity {
  /** The CloudEvent id: a republished row carries the same id, which consumers dedupe on. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /**
   * Tie-break for rows of one transaction (`now()` is the transaction's start time, equal for all
   * of them), so a customer's events leave in the order they were added. Filled by the database
   * (`GENERATED ALWAYS AS IDENTITY`, see createMessagingTables); bigint, hence a string here.
   */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'text' })
  topic!: string;

  /** The Kafka message key: the customerId, so one customer's events stay in one partition. */
  @Column({ name: 'message_key', type: 'text' })
  messageKey!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** The whole CloudEvent (structured mode), as published. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  headers!: Record<string, string>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  /** Failed publish attempts of this row on its own (an outage of the whole broker does not count). */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** After a failed attempt: not retried before this (per-row backoff). Null: due now. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /**
   * Set when the row failed `maxAttempts` times: no longer retried, and later rows of its key wait
   * behind it (per-key order) until an operator requeues it (`OutboxRelay.requeueParked`).
   */
  @Column({ name: 'parked_at', type: 'timestamptz', nullable: true })
  parkedAt!: Date | null;

  /** A relay's lease on the row while it publishes it outside any transaction. */
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil!: Date | null;

  @Column({ name: 'claimed_by', type: 'uuid', nullable: true })
  claimedBy!: string | null;
}
