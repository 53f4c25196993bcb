import type { DataSource } from 'typeorm';
import { InboxEventEntity } from './inbox-event.entity';
import { qualifiedTableName } from './messaging-tables';
import { OutboxEventEntity } from './outbox-event.entity';

export const DEFAULT_OUTBOX_RETENTION_DAYS = 7;
export const DEFAULT_INBOX_RETENTION_DAYS = 30;

/**
 * The shortest inbox retention accepted: longer than the topics' retention (7 days,
 * `log.retention.hours=168` in infra/kafka/server.properties). A group that starts from the earliest
 * offset (a new group, an out-of-range reset, a prefix change) replays whatever the topics still
 * hold, and the inbox must still know every one of those events, or they are applied twice.
 */
export const MIN_INBOX_RETENTION_DAYS = 8;

export interface MessagingPurgeOptions {
  /** Sent outbox rows older than this many days are deleted. Unsent and parked rows never are. */
  outboxRetentionDays?: number;
  /** Inbox rows older than this many days are deleted; at least `MIN_INBOX_RETENTION_DAYS`. */
  inboxRetentionDays?: number;
  /** Rows per DELETE: each batch is its own short statement, so consumers and the relay never wait long. */
  batchSize?: number;
}

export interface MessagingPurgeResult {
  outboxDeleted: number;
  inboxDeleted: number;
}

/** Stable code of a refused purge setting. */
export class MessagingPurgeConfigError extends Error {
  readonly code = 'MESSAGING.PURGE_RETENTION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'MessagingPurgeConfigError';
  }
}

/**
 * Deletes sent outbox rows and old inbox rows of the DataSource's schema (ADR 0001: the tables
 * grow), oldest first, in batches. Ages are measured with PostgreSQL's clock, the one that wrote
 * `sent_at` and `processed_at`. Meant to run daily from the `messaging-purge` job scheduler
 * (`MessagingModuleOptions.purge`); safe to run concurrently and at any time.
 */
export async function purgeMessagingTables(
  dataSource: DataSource,
  options: MessagingPurgeOptions = {},
): Promise<MessagingPurgeResult> {
  const { outboxDays, inboxDays, batchSize } = validatePurgeOptions(options);
  const outbox = qualifiedTableName(dataSource, OutboxEventEntity);
  const inbox = qualifiedTableName(dataSource, InboxEventEntity);
  const outboxDeleted = await deleteInBatches(
    dataSource,
    `WITH doomed AS (
       SELECT id FROM ${outbox}
       WHERE sent_at IS NOT NULL AND sent_at < now() - $1::float8 * interval '1 day'
       ORDER BY sent_at LIMIT $2
     ), deleted AS (
       DELETE FROM ${outbox} o USING doomed WHERE o.id = doomed.id RETURNING 1
     )
     SELECT count(*)::int AS count FROM deleted`,
    [outboxDays, batchSize],
    batchSize,
  );
  const inboxDeleted = await deleteInBatches(
    dataSource,
    `WITH doomed AS (
       SELECT consumer_group, event_id FROM ${inbox}
       WHERE processed_at < now() - $1::float8 * interval '1 day'
       ORDER BY processed_at LIMIT $2
     ), deleted AS (
       DELETE FROM ${inbox} i USING doomed
       WHERE i.consumer_group = doomed.consumer_group AND i.event_id = doomed.event_id
       RETURNING 1
     )
     SELECT count(*)::int AS count FROM deleted`,
    [inboxDays, batchSize],
    batchSize,
  );
  return { outboxDeleted, inboxDeleted };
}

/** The settings with their defaults; throws `MessagingPurgeConfigError` for a refused one. */
export function validatePurgeOptions(options: MessagingPurgeOptions): {
  outboxDays: number;
  inboxDays: number;
  batchSize: number;
} {
  const outboxDays = options.outboxRetentionDays ?? DEFAULT_OUTBOX_RETENTION_DAYS;
  const inboxDays = options.inboxRetentionDays ?? DEFAULT_INBOX_RETENTION_DAYS;
  const batchSize = options.batchSize ?? 5_000;
  if (!(Number.isFinite(outboxDays) && outboxDays > 0))
    throw new MessagingPurgeConfigError('outboxRetentionDays must be a positive number of days');
  if (!(Number.isFinite(inboxDays) && inboxDays >= MIN_INBOX_RETENTION_DAYS))
    throw new MessagingPurgeConfigError(
      `inboxRetentionDays must be at least ${MIN_INBOX_RETENTION_DAYS} days (longer than the topics' retention)`,
    );
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new MessagingPurgeConfigError('batchSize must be a positive integer');
  return { outboxDays, inboxDays, batchSize };
}

async function deleteInBatches(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[],
  batchSize: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const [row]: { count: number }[] = await dataSource.query(sql, parameters);
    const count = row?.count ?? 0;
    total += count;
    if (count < batchSize) return total;
  }
}
