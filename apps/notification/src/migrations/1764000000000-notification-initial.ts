import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@remit/messaging';

export class NotificationInitial1764000000000 implements MigrationInterface {
  name = 'NotificationInitial1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS notification`);
    await queryRunner.query(`
      CREATE TABLE notification.notifications (
        notification_id uuid PRIMARY KEY,
        event_id text NOT NULL,
        customer_id text NOT NULL,
        type text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
        recipient text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, channel)
      )`);
    await queryRunner.query(
      `CREATE INDEX notifications_customer_idx ON notification.notifications (customer_id, created_at DESC)`,
    );
    await createMessagingTables(queryRunner, 'notification');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner, 'notification');
    await queryRunner.query(`DROP TABLE IF EXISTS notification.notifications`);
  }
}
