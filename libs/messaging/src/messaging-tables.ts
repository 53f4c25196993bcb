import type { DataSource, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import { InboxEventEntity } from './inbox-event.entity';
import { OutboxEventEntity } from './outbox-event.entity';

/** Add these to the service DataSource's `entities`. */
export const MESSAGING_ENTITIES = [OutboxEventEntity, InboxEventEntity] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema))
    throw new Error(`invalid schema name "${schema}" (lower-case letters, digits, _)`);
  return `"${schema}"`;
}

/**
 * Creates the outbox and inbox tables in `schema`. Called from each service's first migration, so
 * the tables are part of the service's committed migrations (docs/architecture.md: `synchronize` is never on).
 * Idempotent.
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
