import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An ACH entry whose bank account cannot be read when its day's file is written is left out of the file
 * and marked `failed` (its payment fails too), instead of holding back the whole day's file.
 */
export class SettlementAchEntryFailed1764360000000 implements MigrationInterface {
  name = 'SettlementAchEntryFailed1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE settlement.ach_entries DROP CONSTRAINT IF EXISTS ach_entries_status_check`,
    );
    await queryRunner.query(
      `ALTER TABLE settlement.ach_entries ADD CONSTRAINT ach_entries_status_check
         CHECK (status IN ('pending', 'in_file', 'returned', 'canceled', 'failed'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE settlement.ach_entries DROP CONSTRAINT IF EXISTS ach_entries_status_check`,
    );
    await queryRunner.query(
      `ALTER TABLE settlement.ach_entries ADD CONSTRAINT ach_entries_status_check
         CHECK (status IN ('pending', 'in_file', 'returned', 'canceled'))`,
    );
  }
}
