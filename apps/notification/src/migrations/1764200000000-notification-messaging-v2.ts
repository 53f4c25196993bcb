import type { MigrationInterface, QueryRunner } from 'typeorm';
import { downgradeMessagingTablesV2, upgradeMessagingTablesV2 } from '@remit/messaging';

/** Outbox rows retried alone and parked, leased instead of locked; indexes for key order and purge. */
export class NotificationMessagingV21764200000000 implements MigrationInterface {
  name = 'NotificationMessagingV21764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await upgradeMessagingTablesV2(queryRunner, 'notification');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await downgradeMessagingTablesV2(queryRunner, 'notification');
  }
}
