import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Nothing lost, nothing applied twice: idempotency claims carry a fencing token; a payment keeps the
 * id of its `payment.submitted` (re-drive), when invoice applied it (it counts as in flight until
 * then) and when it was last re-driven; the invoice view keeps the version of its snapshot.
 */
export class IntakeHardening1764100000000 implements MigrationInterface {
  name = 'IntakeHardening1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE intake.idempotency_keys ADD COLUMN lock_token uuid`);
    await queryRunner.query(`
      ALTER TABLE intake.payments
        ADD COLUMN submitted_event_id uuid,
        ADD COLUMN applied_at timestamptz,
        ADD COLUMN redriven_at timestamptz`);
    // The re-drive sweep looks for payments still `submitted`; the in-flight sum for posted ones not yet applied.
    await queryRunner.query(
      `CREATE INDEX payments_submitted_idx ON intake.payments (submitted_at) WHERE status = 'submitted'`,
    );
    await queryRunner.query(
      `ALTER TABLE intake.invoice_view ADD COLUMN version integer NOT NULL DEFAULT 0 CHECK (version >= 0)`,
    );
    // Expired idempotency keys are purged by created_at.
    await queryRunner.query(
      `CREATE INDEX idempotency_keys_created_idx ON intake.idempotency_keys (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS intake.idempotency_keys_created_idx`);
    await queryRunner.query(`ALTER TABLE intake.invoice_view DROP COLUMN version`);
    await queryRunner.query(`DROP INDEX IF EXISTS intake.payments_submitted_idx`);
    await queryRunner.query(`
      ALTER TABLE intake.payments
        DROP COLUMN redriven_at,
        DROP COLUMN applied_at,
        DROP COLUMN submitted_event_id`);
    await queryRunner.query(`ALTER TABLE intake.idempotency_keys DROP COLUMN lock_token`);
  }
}
