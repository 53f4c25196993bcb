import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A customer's invoices by status and due date: an autopay run reads each enrolled customer's open
 * invoices (status = 'open', in due-date order), and paid invoices stay in the view, so through the
 * customer-only index it read every invoice the customer was ever sent (5 003 rows to keep 3 for a
 * customer with 5 000 paid ones). Not partial, so that the status can stay a parameter; it leads with
 * customer_id, so it replaces invoice_view_customer_idx.
 */
export class IntakeOpenInvoicesIndex1764410000000 implements MigrationInterface {
  name = 'IntakeOpenInvoicesIndex1764410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS invoice_view_customer_status_idx ON intake.invoice_view (customer_id, status, due_date)`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS intake.invoice_view_customer_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS invoice_view_customer_idx ON intake.invoice_view (customer_id)`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS intake.invoice_view_customer_status_idx`);
  }
}
