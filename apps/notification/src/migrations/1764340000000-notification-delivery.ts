import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sending for real (issue 12): one notification per (event, channel, recipient), its attempts and
 * last error, `dead` once retries are exhausted; the recipients kept from invoice's customer events;
 * webhook endpoints with their signing secret sealed at rest.
 */
export class NotificationDelivery1764340000000 implements MigrationInterface {
  name = 'NotificationDelivery1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification.notifications
        DROP CONSTRAINT IF EXISTS notifications_event_id_channel_key,
        DROP CONSTRAINT IF EXISTS notifications_status_check,
        ADD CONSTRAINT notifications_status_check CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
        ADD CONSTRAINT notifications_event_channel_recipient_key UNIQUE (event_id, channel, recipient),
        ADD COLUMN html text,
        ADD COLUMN endpoint_id uuid,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN last_error text,
        ADD COLUMN last_attempt_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(
      `CREATE INDEX notifications_endpoint_idx ON notification.notifications (endpoint_id, created_at DESC)
         WHERE endpoint_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX notifications_unsent_idx ON notification.notifications (updated_at)
         WHERE status IN ('pending', 'failed')`,
    );
    await queryRunner.query(`
      CREATE TABLE notification.recipients (
        customer_id text PRIMARY KEY,
        name text NOT NULL,
        email text NOT NULL,
        sites jsonb NOT NULL DEFAULT '[]'::jsonb,
        event_time timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE notification.webhook_endpoints (
        endpoint_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        url text NOT NULL,
        events jsonb NOT NULL,
        secret_ciphertext text NOT NULL,
        key_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_endpoints_customer_idx ON notification.webhook_endpoints (customer_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS notification.webhook_endpoints`);
    await queryRunner.query(`DROP TABLE IF EXISTS notification.recipients`);
    await queryRunner.query(`DROP INDEX IF EXISTS notification.notifications_unsent_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS notification.notifications_endpoint_idx`);
    await queryRunner.query(`
      ALTER TABLE notification.notifications
        DROP COLUMN updated_at,
        DROP COLUMN last_attempt_at,
        DROP COLUMN last_error,
        DROP COLUMN attempts,
        DROP COLUMN endpoint_id,
        DROP COLUMN html,
        DROP CONSTRAINT notifications_event_channel_recipient_key,
        DROP CONSTRAINT notifications_status_check,
        ADD CONSTRAINT notifications_status_check CHECK (status IN ('pending', 'sent', 'failed')),
        ADD CONSTRAINT notifications_event_id_channel_key UNIQUE (event_id, channel)`);
  }
}
