import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger as the backbone (docs/architecture.md, "invoice"): journals with their lines, and a
 * deferred constraint trigger that refuses, at commit, any journal whose debits differ from its credits.
 * Fees (one return fee per returned payment, enforced here, not only by the job id), credit lots (which
 * payment or receipt a credit came from, so a return reverses exactly that payment's credit), and reversals.
 */
export class InvoiceLedgerFeesCredit1764330000000 implements MigrationInterface {
  name = 'InvoiceLedgerFeesCredit1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE invoice.journals (
        journal_id text PRIMARY KEY,
        customer_id text NOT NULL,
        kind text NOT NULL,
        memo text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      INSERT INTO invoice.journals (journal_id, customer_id, kind, memo, created_at)
      SELECT journal_id, min(customer_id), split_part(journal_id, ':', 1), min(memo), min(created_at)
        FROM invoice.ledger_entries GROUP BY journal_id`);
    await queryRunner.query(`ALTER TABLE invoice.ledger_entries ADD COLUMN seq bigserial`);
    await queryRunner.query(`CREATE UNIQUE INDEX ledger_entries_seq_idx ON invoice.ledger_entries (seq)`);
    await queryRunner.query(
      `CREATE INDEX ledger_entries_customer_seq_idx ON invoice.ledger_entries (customer_id, seq)`,
    );
    await queryRunner.query(`
      ALTER TABLE invoice.ledger_entries
        ADD CONSTRAINT ledger_entries_journal_fk FOREIGN KEY (journal_id) REFERENCES invoice.journals (journal_id)`);
    await queryRunner.query(`
      CREATE FUNCTION invoice.assert_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        checked_journal text;
        debits bigint;
        credits bigint;
      BEGIN
        IF TG_OP = 'DELETE' THEN checked_journal := OLD.journal_id; ELSE checked_journal := NEW.journal_id; END IF;
        SELECT COALESCE(SUM(debit_cents), 0), COALESCE(SUM(credit_cents), 0) INTO debits, credits
          FROM invoice.ledger_entries WHERE journal_id = checked_journal;
        IF debits <> credits THEN
          RAISE EXCEPTION 'journal % is unbalanced: debits % <> credits %', checked_journal, debits, credits
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER ledger_entries_balanced
        AFTER INSERT OR UPDATE OR DELETE ON invoice.ledger_entries
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION invoice.assert_journal_balanced()`);

    await queryRunner.query(`
      CREATE TABLE invoice.fees (
        fee_id uuid PRIMARY KEY,
        customer_id text NOT NULL REFERENCES invoice.customers (customer_id),
        kind text NOT NULL CHECK (kind IN ('return', 'paper')),
        invoice_id uuid NOT NULL REFERENCES invoice.invoices (invoice_id),
        payment_id uuid,
        return_code text,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        status text NOT NULL CHECK (status IN ('charged', 'waived')),
        waived_reason text,
        waived_by text,
        waived_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'return') = (payment_id IS NOT NULL))
      )`);
    // Exactly one return fee per returned payment, whatever the job or the broker does.
    await queryRunner.query(
      `CREATE UNIQUE INDEX fees_return_payment_uq ON invoice.fees (payment_id) WHERE kind = 'return'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX fees_paper_invoice_uq ON invoice.fees (invoice_id) WHERE kind = 'paper'`,
    );
    await queryRunner.query(`CREATE INDEX fees_customer_idx ON invoice.fees (customer_id)`);

    await queryRunner.query(`
      CREATE TABLE invoice.credit_lots (
        lot_id bigserial PRIMARY KEY,
        customer_id text NOT NULL REFERENCES invoice.customers (customer_id),
        source_kind text NOT NULL CHECK (source_kind IN ('payment', 'receipt', 'waiver')),
        source_id uuid NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        remaining_cents bigint NOT NULL CHECK (remaining_cents >= 0 AND remaining_cents <= amount_cents),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source_kind, source_id)
      )`);
    // Credit left by payments posted before lots existed (it was never spent: nothing spent credit then).
    await queryRunner.query(`
      INSERT INTO invoice.credit_lots (customer_id, source_kind, source_id, amount_cents, remaining_cents, created_at)
      SELECT customer_id, 'payment', split_part(journal_id, ':', 2)::uuid, credit_cents, credit_cents, created_at
        FROM invoice.ledger_entries
       WHERE account = 'customer_credit' AND credit_cents > 0 AND journal_id LIKE 'payment:%'
       ORDER BY seq`);
    await queryRunner.query(
      `CREATE INDEX credit_lots_open_idx ON invoice.credit_lots (customer_id, lot_id) WHERE remaining_cents > 0`,
    );

    await queryRunner.query(`
      CREATE TABLE invoice.payment_reversals (
        payment_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        return_code text NOT NULL,
        reversed_cents bigint NOT NULL CHECK (reversed_cents >= 0),
        reversed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE invoice.payment_applications ADD COLUMN reversed_at timestamptz`);
    await queryRunner.query(
      `ALTER TABLE invoice.pending_payments DROP CONSTRAINT IF EXISTS pending_payments_status_check`,
    );
    await queryRunner.query(`
      ALTER TABLE invoice.pending_payments ADD CONSTRAINT pending_payments_status_check
        CHECK (status IN ('pending', 'posted', 'returned', 'canceled', 'failed', 'expired'))`);
    // A re-presentment names the returned payment it presents again: one return fee for both.
    await queryRunner.query(`ALTER TABLE invoice.pending_payments ADD COLUMN original_payment_id uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE invoice.pending_payments DROP COLUMN original_payment_id`);
    await queryRunner.query(
      `ALTER TABLE invoice.pending_payments DROP CONSTRAINT IF EXISTS pending_payments_status_check`,
    );
    await queryRunner.query(`DELETE FROM invoice.pending_payments WHERE status NOT IN ('pending', 'posted')`);
    await queryRunner.query(`
      ALTER TABLE invoice.pending_payments ADD CONSTRAINT pending_payments_status_check
        CHECK (status IN ('pending', 'posted'))`);
    await queryRunner.query(`ALTER TABLE invoice.payment_applications DROP COLUMN reversed_at`);
    await queryRunner.query(`DROP TABLE invoice.payment_reversals`);
    await queryRunner.query(`DROP TABLE invoice.credit_lots`);
    await queryRunner.query(`DROP TABLE invoice.fees`);
    await queryRunner.query(`DROP TRIGGER ledger_entries_balanced ON invoice.ledger_entries`);
    await queryRunner.query(`DROP FUNCTION invoice.assert_journal_balanced()`);
    await queryRunner.query(`ALTER TABLE invoice.ledger_entries DROP CONSTRAINT ledger_entries_journal_fk`);
    await queryRunner.query(`DROP INDEX invoice.ledger_entries_customer_seq_idx`);
    await queryRunner.query(`ALTER TABLE invoice.ledger_entries DROP COLUMN seq`);
    await queryRunner.query(`DROP TABLE invoice.journals`);
  }
}
