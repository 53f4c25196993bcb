import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ACH origination, returns and notifications of change (docs/architecture.md, "ACH origination and
 * returns"). Account numbers are kept only as ciphertext; files are stored encrypted. The status of
 * settlement_payments becomes free text (returned, canceled, ...): its CHECK is dropped, not replaced.
 */
export class SettlementAch1764300000000 implements MigrationInterface {
  name = 'SettlementAch1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE settlement.settlement_payments DROP CONSTRAINT IF EXISTS settlement_payments_status_check`,
    );
    await queryRunner.query(`CREATE SEQUENCE settlement.ach_trace_seq`);
    await queryRunner.query(`
      CREATE TABLE settlement.ach_files (
        file_id uuid PRIMARY KEY,
        business_date date NOT NULL,
        file_id_modifier char(1) NOT NULL,
        entry_count integer NOT NULL,
        total_debit_cents bigint NOT NULL,
        entry_hash text NOT NULL,
        content_ciphertext text NOT NULL,
        key_id text NOT NULL,
        file_name text NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (business_date, file_id_modifier)
      )`);
    await queryRunner.query(`
      CREATE TABLE settlement.ach_entries (
        payment_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        method_type text NOT NULL,
        last4 text,
        payment_method_id text,
        routing_number char(9) NOT NULL,
        account_number_ciphertext text NOT NULL,
        key_id text NOT NULL,
        account_holder_name text,
        business_date date NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'in_file', 'returned', 'canceled')),
        file_id uuid REFERENCES settlement.ach_files (file_id),
        trace_number char(15) UNIQUE,
        correlation_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ach_entries_pending_idx ON settlement.ach_entries (business_date) WHERE status = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX ach_entries_file_idx ON settlement.ach_entries (file_id)`);
    await queryRunner.query(`
      CREATE TABLE settlement.settlement_days (
        business_date date PRIMARY KEY,
        closed_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE settlement.ach_returns (
        return_id uuid PRIMARY KEY,
        payment_id uuid UNIQUE,
        trace_number char(15),
        return_trace_number char(15),
        return_code text NOT NULL,
        amount_cents bigint NOT NULL,
        business_date date NOT NULL,
        received_at timestamptz NOT NULL,
        matched boolean NOT NULL,
        source text NOT NULL CHECK (source IN ('file', 'ops')),
        received_by text NOT NULL
      )`);
    // An unmatched return has no payment to be unique on: the original trace number stands in for it.
    await queryRunner.query(
      `CREATE UNIQUE INDEX ach_returns_unmatched_trace_idx ON settlement.ach_returns (trace_number, return_code) WHERE payment_id IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ach_returns_business_date_idx ON settlement.ach_returns (business_date) WHERE matched`,
    );
    await queryRunner.query(`
      CREATE TABLE settlement.ach_notices_of_change (
        notice_id uuid PRIMARY KEY,
        payment_id uuid,
        trace_number char(15) NOT NULL,
        change_code text NOT NULL,
        corrected_routing_number char(9),
        corrected_account_ciphertext text,
        corrected_account_key_id text,
        corrected_account_last4 text,
        received_at timestamptz NOT NULL,
        UNIQUE (trace_number, change_code)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.ach_notices_of_change`);
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.ach_returns`);
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.settlement_days`);
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.ach_entries`);
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.ach_files`);
    await queryRunner.query(`DROP SEQUENCE IF EXISTS settlement.ach_trace_seq`);
  }
}
