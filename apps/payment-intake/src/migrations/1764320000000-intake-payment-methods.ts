import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved bank accounts (account number AES-256-GCM bound to the method id, deduplicated per customer
 * by a keyed fingerprint, never by clear text), autopay enrolments, and the saved method a payment
 * was paid with (docs/architecture.md, "payment-intake").
 */
export class IntakePaymentMethods1764320000000 implements MigrationInterface {
  name = 'IntakePaymentMethods1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE intake.payment_methods (
        payment_method_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        routing_number text NOT NULL CHECK (routing_number ~ '^[0-9]{9}$'),
        last4 text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
        account_number_ciphertext text NOT NULL,
        encryption_key_id text NOT NULL,
        fingerprint text NOT NULL,
        account_holder_name text,
        status text NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
        disabled_at timestamptz,
        disabled_reason text,
        return_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One live method per account and customer; a removed one may be saved again.
    await queryRunner.query(
      `CREATE UNIQUE INDEX payment_methods_fingerprint_uq ON intake.payment_methods (customer_id, fingerprint) WHERE status <> 'deleted'`,
    );
    await queryRunner.query(`
      CREATE TABLE intake.autopay_enrolments (
        customer_id text PRIMARY KEY,
        payment_method_id uuid NOT NULL REFERENCES intake.payment_methods (payment_method_id),
        days_before_due integer NOT NULL DEFAULT 0 CHECK (days_before_due >= 0),
        status text NOT NULL CHECK (status IN ('active', 'suspended')),
        suspended_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE intake.payments ADD COLUMN payment_method_id uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE intake.payments DROP COLUMN payment_method_id`);
    await queryRunner.query(`DROP TABLE intake.autopay_enrolments`);
    await queryRunner.query(`DROP TABLE intake.payment_methods`);
  }
}
