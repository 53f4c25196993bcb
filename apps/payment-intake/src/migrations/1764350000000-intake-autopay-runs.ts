import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Autopay runs and re-presentments (docs/architecture.md, flow 3): one run per customer and run date
 * (its idempotency key unique too), one reminder per customer and autopay date, the autopay debits and
 * their re-presentments (one per original and attempt), and enrolments that a revoked authorisation
 * cancels. Each unique constraint is what makes a rerun, a retry or a second worker harmless.
 */
export class IntakeAutopayRuns1764350000000 implements MigrationInterface {
  name = 'IntakeAutopayRuns1764350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE intake.autopay_enrolments DROP CONSTRAINT IF EXISTS autopay_enrolments_status_check`,
    );
    await queryRunner.query(
      `ALTER TABLE intake.autopay_enrolments ADD CONSTRAINT autopay_enrolments_status_check CHECK (status IN ('active', 'suspended', 'canceled'))`,
    );
    await queryRunner.query(
      `ALTER TABLE intake.autopay_enrolments ADD CONSTRAINT autopay_enrolments_days_before_due_check_max CHECK (days_before_due <= 10)`,
    );
    await queryRunner.query(`
      CREATE TABLE intake.autopay_runs (
        customer_id text NOT NULL,
        run_date date NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        outcome text NOT NULL CHECK (outcome IN ('paid', 'method-disabled')),
        payment_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, run_date)
      )`);
    await queryRunner.query(`
      CREATE TABLE intake.autopay_reminders (
        customer_id text NOT NULL,
        autopay_date date NOT NULL,
        reminded_on date NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, autopay_date)
      )`);
    await queryRunner.query(`
      CREATE TABLE intake.autopay_payments (
        payment_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        origin text NOT NULL CHECK (origin IN ('autopay', 'representment')),
        original_payment_id uuid NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 0),
        original_business_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (original_payment_id, attempt)
      )`);
    await queryRunner.query(`
      CREATE TABLE intake.autopay_representments (
        original_payment_id uuid NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 1),
        customer_id text NOT NULL,
        returned_payment_id uuid NOT NULL,
        return_code text NOT NULL,
        present_on date NOT NULL,
        status text NOT NULL CHECK (status IN ('scheduled', 'submitted', 'not-presented')),
        reason text,
        payment_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (original_payment_id, attempt)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE intake.autopay_representments`);
    await queryRunner.query(`DROP TABLE intake.autopay_payments`);
    await queryRunner.query(`DROP TABLE intake.autopay_reminders`);
    await queryRunner.query(`DROP TABLE intake.autopay_runs`);
    await queryRunner.query(
      `ALTER TABLE intake.autopay_enrolments DROP CONSTRAINT autopay_enrolments_days_before_due_check_max`,
    );
    await queryRunner.query(
      `ALTER TABLE intake.autopay_enrolments DROP CONSTRAINT autopay_enrolments_status_check`,
    );
    await queryRunner.query(
      `ALTER TABLE intake.autopay_enrolments ADD CONSTRAINT autopay_enrolments_status_check CHECK (status IN ('active', 'suspended'))`,
    );
  }
}
