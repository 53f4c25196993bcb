import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every payment method (docs/architecture.md, "Settlement"): card authorisation and failure, declared
 * check and wire payments awaiting their receipt (with the date they expire), the receipts themselves
 * (once per type and reference), and the daily settlement reports (once per business date).
 * `status` loses its CHECK: payments now also end `awaiting_funds`, `failed`, `expired`, `returned`
 * and `canceled`, and the set is the contracts' to define, not this table's.
 */
export class SettlementMethodsReceiptsReports1764310000000 implements MigrationInterface {
  name = 'SettlementMethodsReceiptsReports1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE settlement.settlement_payments DROP CONSTRAINT IF EXISTS settlement_payments_status_check`,
    );
    await queryRunner.query(`
      ALTER TABLE settlement.settlement_payments
        ADD COLUMN IF NOT EXISTS card_token text,
        ADD COLUMN IF NOT EXISTS authorization_id text,
        ADD COLUMN IF NOT EXISTS failure_code text,
        ADD COLUMN IF NOT EXISTS failure_reason text,
        ADD COLUMN IF NOT EXISTS expires_on date,
        ADD COLUMN IF NOT EXISTS status_changed_at timestamptz`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS settlement_payments_awaiting_idx
        ON settlement.settlement_payments (customer_id, method_type, amount_cents, created_at)
        WHERE status = 'awaiting_funds'`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS settlement_payments_expiry_idx
        ON settlement.settlement_payments (expires_on) WHERE status = 'awaiting_funds'`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS settlement_payments_authorizing_idx
        ON settlement.settlement_payments (created_at) WHERE status = 'authorizing'`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS settlement_payments_posted_day_idx
        ON settlement.settlement_payments (posting_date) WHERE status <> 'scheduled'`);
    await queryRunner.query(`
      CREATE TABLE settlement.receipts (
        receipt_id uuid PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('check', 'wire')),
        reference text NOT NULL,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        requested_payment_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('matched', 'unmatched')),
        payment_id uuid,
        business_date date NOT NULL,
        received_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (type, reference)
      )`);
    await queryRunner.query(`
      CREATE TABLE settlement.daily_reports (
        business_date date PRIMARY KEY,
        report jsonb NOT NULL,
        closed_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.daily_reports`);
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.receipts`);
    await queryRunner.query(`DROP INDEX IF EXISTS settlement.settlement_payments_posted_day_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS settlement.settlement_payments_authorizing_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS settlement.settlement_payments_expiry_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS settlement.settlement_payments_awaiting_idx`);
    await queryRunner.query(`
      ALTER TABLE settlement.settlement_payments
        DROP COLUMN IF EXISTS status_changed_at,
        DROP COLUMN IF EXISTS expires_on,
        DROP COLUMN IF EXISTS failure_reason,
        DROP COLUMN IF EXISTS failure_code,
        DROP COLUMN IF EXISTS authorization_id,
        DROP COLUMN IF EXISTS card_token`);
  }
}
