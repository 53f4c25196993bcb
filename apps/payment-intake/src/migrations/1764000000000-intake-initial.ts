import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@remit/messaging';

export class IntakeInitial1764000000000 implements MigrationInterface {
  name = 'IntakeInitial1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS intake`);
    await queryRunner.query(`
      CREATE TABLE intake.payments (
        payment_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        currency text NOT NULL CHECK (currency = 'USD'),
        status text NOT NULL CHECK (status IN ('submitted','scheduled','posted','returned','awaiting_funds','failed','canceled','expired')),
        method_type text NOT NULL CHECK (method_type IN ('ach','saved','card','check','wire')),
        last4 text,
        routing_number text,
        account_number_ciphertext text,
        encryption_key_id text,
        account_holder_name text,
        invoices jsonb NOT NULL,
        submitted_at timestamptz NOT NULL,
        business_date date NOT NULL,
        expected_posting_date date NOT NULL,
        notice text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX payments_customer_idx ON intake.payments (customer_id, submitted_at DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE intake.payment_status_history (
        change_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES intake.payments (payment_id),
        status text NOT NULL,
        at timestamptz NOT NULL,
        reason text,
        source_event_id text UNIQUE
      )`);
    await queryRunner.query(
      `CREATE INDEX payment_status_history_payment_idx ON intake.payment_status_history (payment_id, change_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE intake.invoice_view (
        invoice_id uuid PRIMARY KEY,
        invoice_number text NOT NULL,
        customer_id text NOT NULL,
        due_date date NOT NULL,
        invoice_date date NOT NULL,
        amount_due_cents bigint NOT NULL,
        status text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX invoice_view_customer_idx ON intake.invoice_view (customer_id)`);
    await queryRunner.query(`
      CREATE TABLE intake.idempotency_keys (
        scope text NOT NULL,
        idempotency_key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_flight','completed')),
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, idempotency_key)
      )`);
    await createMessagingTables(queryRunner, 'intake');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner, 'intake');
    for (const table of ['idempotency_keys', 'invoice_view', 'payment_status_history', 'payments']) {
      await queryRunner.query(`DROP TABLE IF EXISTS intake.${table}`);
    }
  }
}
