import type { MigrationInterface, QueryRunner } from 'typeorm';
import { downgradeMessagingTablesV3, upgradeMessagingTablesV3 } from '@remit/messaging';

/** The outbox relay's per-key order check reads the few held rows, not every unsent one. */
export class IntakeOutboxHeldIndex1764390000000 implements MigrationInterface {
  name = 'IntakeOutboxHeldIndex1764390000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await upgradeMessagingTablesV3(queryRunner, 'intake');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await downgradeMessagingTablesV3(queryRunner, 'intake');
  }
}
