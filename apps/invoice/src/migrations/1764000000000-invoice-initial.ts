import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@remit/messaging';

export class InvoiceInitial1764000000000 implements MigrationInterface {
  name = 'InvoiceInitial1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS invoice`);
    await queryRunner.query(`
      CREATE TABLE invoice.customers (
        customer_id text PRIMARY KEY,
        name text NOT NULL,
        email text NOT NULL,
        billing_delivery text NOT NULL CHECK (billing_delivery IN ('email', 'paper')),
        credit_balance_cents bigint NOT NULL DEFAULT 0 CHECK (credit_balance_cents >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice.accounts (
        account_number text PRIMARY KEY CHECK (account_number ~ '^[0-9]{7}$'),
        customer_id text NOT NULL REFERENCES invoice.customers (customer_id),
        site_name text NOT NULL,
        city text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX accounts_customer_idx ON invoice.accounts (customer_id)`);
    await queryRunner.query(`
      CREATE TABLE invoice.invoices (
        invoice_id uuid PRIMARY KEY,
        invoice_number text NOT NULL UNIQUE,
        customer_id text NOT NULL REFERENCES invoice.customers (customer_id),
        account_number text NOT NULL REFERENCES invoice.accounts (account_number),
        invoice_date date NOT NULL,
        due_date date NOT NULL,
        invoice_amount_cents bigint NOT NULL CHECK (invoice_amount_cents >= 0),
        amount_due_cents bigint NOT NULL CHECK (amount_due_cents >= 0 AND amount_due_cents <= invoice_amount_cents),
        status text NOT NULL CHECK (status IN ('open', 'paid')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX invoices_customer_status_idx ON invoice.invoices (customer_id, status, due_date)`,
    );
    await queryRunner.query(`
      CREATE TABLE invoice.invoice_lines (
        line_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        invoice_id uuid NOT NULL REFERENCES invoice.invoices (invoice_id),
        position integer NOT NULL,
        description text NOT NULL,
        amount_cents bigint NOT NULL,
        UNIQUE (invoice_id, position)
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice.pending_payments (
        payment_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        status text NOT NULL CHECK (status IN ('pending', 'posted')),
        submitted_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX pending_payments_customer_idx ON invoice.pending_payments (customer_id) WHERE status = 'pending'`,
    );
    await queryRunner.query(`
      CREATE TABLE invoice.payment_applications (
        application_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        payment_id uuid NOT NULL,
        invoice_id uuid NOT NULL REFERENCES invoice.invoices (invoice_id),
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        applied_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (payment_id, invoice_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE invoice.ledger_entries (
        entry_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        journal_id text NOT NULL,
        customer_id text NOT NULL,
        account text NOT NULL,
        debit_cents bigint NOT NULL CHECK (debit_cents >= 0),
        credit_cents bigint NOT NULL CHECK (credit_cents >= 0),
        memo text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((debit_cents = 0) <> (credit_cents = 0))
      )`);
    await queryRunner.query(
      `CREATE INDEX ledger_entries_customer_idx ON invoice.ledger_entries (customer_id, created_at)`,
    );
    await queryRunner.query(`CREATE INDEX ledger_entries_journal_idx ON invoice.ledger_entries (journal_id)`);
    await createMessagingTables(queryRunner, 'invoice');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner, 'invoice');
    for (const table of [
      'ledger_entries',
      'payment_applications',
      'pending_payments',
      'invoice_lines',
      'invoices',
      'accounts',
      'customers',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS invoice.${table}`);
    }
  }
}
