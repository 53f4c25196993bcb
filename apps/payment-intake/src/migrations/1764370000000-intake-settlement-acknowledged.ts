import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When settlement first answered for a payment (any of its status events). A declared check or wire is
 * `awaiting_funds` from its 201 on, so its status alone cannot tell whether settlement ever heard of it:
 * the re-drive looks at this instead. Payments settlement already answered are marked acknowledged.
 */
export class IntakeSettlementAcknowledged1764370000000 implements MigrationInterface {
  name = 'IntakeSettlementAcknowledged1764370000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE intake.payments ADD COLUMN IF NOT EXISTS settlement_acknowledged_at timestamptz`,
    );
    await queryRunner.query(
      `UPDATE intake.payments payment SET settlement_acknowledged_at = payment.updated_at
        WHERE payment.status <> 'submitted'
          AND EXISTS (SELECT 1 FROM intake.payment_status_history history
                       WHERE history.payment_id = payment.payment_id AND history.source_event_id IS NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS payments_unacknowledged_idx ON intake.payments (created_at)
        WHERE settlement_acknowledged_at IS NULL AND status IN ('submitted', 'awaiting_funds')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS intake.payments_unacknowledged_idx`);
    await queryRunner.query(`ALTER TABLE intake.payments DROP COLUMN IF EXISTS settlement_acknowledged_at`);
  }
}
