import type { MigrationInterface, QueryRunner } from 'typeorm';
import { downgradeMessagingTablesV3, upgradeMessagingTablesV3 } from '@remit/messaging';

/** The outbox relay's per-key order check reads the few held rows, not every unsent one. */
export class SettlementOutboxHeldIndex1764390000000 implements MigrationInterface {
  name = 'SettlementOutboxHeldIndex1764390000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await upgradeMessagingTablesV3(queryRunner, 'settlement');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await downgradeMessagingTablesV3(queryRunner, 'settlement');
  }
}
