import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When intake wrote an invoice's snapshot into its view (`updated_at` is the snapshot's own time, at
 * invoice): the two together give how long a newly issued invoice took to become payable here.
 */
export class IntakeInvoiceViewReceived1764380000000 implements MigrationInterface {
  name = 'IntakeInvoiceViewReceived1764380000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE intake.invoice_view ADD COLUMN IF NOT EXISTS received_at timestamptz NOT NULL DEFAULT now()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE intake.invoice_view DROP COLUMN IF EXISTS received_at`);
  }
}
