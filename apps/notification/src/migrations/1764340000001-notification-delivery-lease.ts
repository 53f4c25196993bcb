import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivery claims its notification for a while before it sends, so that two workers (a stalled
 * BullMQ job handed to another worker, say) never send the same notification at once. The dead
 * notifications get an index of their own for the backlog of `GET /health` (DeliveryHealth).
 */
export class NotificationDeliveryLease1764340000001 implements MigrationInterface {
  name = 'NotificationDeliveryLease1764340000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification.notifications ADD COLUMN lease_until timestamptz`);
    await queryRunner.query(
      `CREATE INDEX notifications_dead_idx ON notification.notifications (updated_at) WHERE status = 'dead'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS notification.notifications_dead_idx`);
    await queryRunner.query(`ALTER TABLE notification.notifications DROP COLUMN lease_until`);
  }
}
