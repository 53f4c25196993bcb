import type { DataSource, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import { InboxEventEntity } from './inbox-event.entity';
import { OUTBOX_HELD_PREDICATE, OutboxEventEntity } from './outbox-event.entity';

/** Add these to the service DataSource's `entities`. */
export const MESSAGING_ENTITIES = [OutboxEventEntity, InboxEventEntity] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema))
    throw new Error(`invalid schema name "${schema}" (lower-case letters, digits, _)`);
  return `"${schema}"`;
}

/**
 * Creates the outbox and inbox tables in `schema` (version 1). Called from each service's first
 * migration, so the tables are part of the service's committed migrations (docs/architecture.md:
 * `synchronize` is never on); a later migration calls `upgradeMessagingTablesV2`. Idempotent.
 */
export async function createMessagingTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await queryRunner.query(`
    CREATE TABLE IF NOT EXISTS ${s}.outbox_events (
      id uuid PRIMARY KEY,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      topic text NOT NULL,
      message_key text NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text NULL
    )`);
  // The relay's only query path: unsent rows in creation order. Partial, so it stays small.
  await queryRunner.query(
    `CREATE INDEX IF NOT EXISTS outbox_events_unsent_idx ON ${s}.outbox_events (created_at, seq) WHERE sent_at IS NULL`,
  );
  await queryRunner.query(`
    CREATE TABLE IF NOT EXISTS ${s}.inbox_events (
      consumer_group text NOT NULL,
      event_id text NOT NULL,
      event_type text NOT NULL,
      topic text NOT NULL,
      partition integer NOT NULL,
      "offset" text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer_group, event_id)
    )`);
}

/**
 * Version 2 of the messaging tables, for a NEW migration of each service (its first migration,
 * which called `createMessagingTables`, stays as merged). Adds what the relay needs to retry a
 * failing row alone and park it (`next_attempt_at`, `parked_at`), to claim rows with a lease
 * instead of holding row locks while Kafka answers (`claimed_until`, `claimed_by`), the index of the
 * per-key order check, and the indexes of the daily purge. Idempotent; a fresh database runs the
 * first migration and then this one and ends with the same tables as an upgraded one.
 *
 * The new columns are nullable without defaults, so adding them rewrites nothing. The indexes are
 * built without CONCURRENTLY (migrations run in a transaction): on a large `inbox_events` that
 * blocks inserts, i.e. consumers, for the seconds the build takes.
 */
export async function upgradeMessagingTablesV2(queryRunner: QueryRunner, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await queryRunner.query(`
    ALTER TABLE ${s}.outbox_events
      ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz NULL,
      ADD COLUMN IF NOT EXISTS parked_at timestamptz NULL,
      ADD COLUMN IF NOT EXISTS claimed_until timestamptz NULL,
      ADD COLUMN IF NOT EXISTS claimed_by uuid NULL`);
  // "Is an earlier row of my key still unsent?": asked for every row the relay considers.
  await queryRunner.query(
    `CREATE INDEX IF NOT EXISTS outbox_events_unsent_key_idx ON ${s}.outbox_events (message_key, created_at, seq) WHERE sent_at IS NULL`,
  );
  // The purge deletes in batches, oldest first; without these each batch would scan the table.
  await queryRunner.query(
    `CREATE INDEX IF NOT EXISTS outbox_events_sent_idx ON ${s}.outbox_events (sent_at) WHERE sent_at IS NOT NULL`,
  );
  await queryRunner.query(
    `CREATE INDEX IF NOT EXISTS inbox_events_processed_idx ON ${s}.inbox_events (processed_at)`,
  );
}

/** The `down` of `upgradeMessagingTablesV2`. */
export async function downgradeMessagingTablesV2(queryRunner: QueryRunner, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await queryRunner.query(`DROP INDEX IF EXISTS ${s}.inbox_events_processed_idx`);
  await queryRunner.query(`DROP INDEX IF EXISTS ${s}.outbox_events_sent_idx`);
  await queryRunner.query(`DROP INDEX IF EXISTS ${s}.outbox_events_unsent_key_idx`);
  await queryRunner.query(`
    ALTER TABLE ${s}.outbox_events
      DROP COLUMN IF EXISTS claimed_by,
      DROP COLUMN IF EXISTS claimed_until,
      DROP COLUMN IF EXISTS parked_at,
      DROP COLUMN IF EXISTS next_attempt_at`);
}

/**
 * Version 3, for a NEW migration of each service: the index of the relay's "is an earlier row of
 * my key out of reach?" check (`outbox_events_held_key_idx`). Only the unsent rows that were ever
 * claimed, retried or parked are in it — a handful live at any time (every row passes through it
 * once, its claim, and leaves a dead entry until vacuum), where `outbox_events_unsent_key_idx` holds
 * every unsent row: with a burst of a thousand rows waiting (the settlement run's postings), the
 * check read each of them at every claim. Idempotent. Built without CONCURRENTLY (migrations run
 * in a transaction): the build reads the whole table, sent rows included, and blocks the service's
 * writes to its outbox — every command that announces an event — for as long as that takes (seconds
 * on a table of millions of rows; run it after the daily purge).
 */
export async function upgradeMessagingTablesV3(queryRunner: QueryRunner, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await queryRunner.query(
    `CREATE INDEX IF NOT EXISTS outbox_events_held_key_idx ON ${s}.outbox_events (message_key, created_at, seq)
     WHERE ${OUTBOX_HELD_PREDICATE}`,
  );
}

/** The `down` of `upgradeMessagingTablesV3`. */
export async function downgradeMessagingTablesV3(queryRunner: QueryRunner, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await queryRunner.query(`DROP INDEX IF EXISTS ${s}.outbox_events_held_key_idx`);
}

export async function dropMessagingTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await queryRunner.query(`DROP TABLE IF EXISTS ${s}.inbox_events`);
  await queryRunner.query(`DROP TABLE IF EXISTS ${s}.outbox_events`);
}

/** `"schema"."table"` of an entity in this DataSource (whose options set the schema). */
export function qualifiedTableName(dataSource: DataSource, entity: EntityTarget<ObjectLiteral>): string {
  if (!dataSource.hasMetadata(entity)) {
    throw new Error(
      'messaging entities are not registered: add MESSAGING_ENTITIES to the DataSource entities',
    );
  }
  const metadata = dataSource.getMetadata(entity);
  const escape = (name: string): string => dataSource.driver.escape(name);
  return metadata.schema
    ? `${escape(metadata.schema)}.${escape(metadata.tableName)}`
    : escape(metadata.tableName);
}
