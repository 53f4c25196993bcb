import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@remit/messaging';

export class SettlementInitial1764000000000 implements MigrationInterface {
  name = 'SettlementInitial1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS settlement`);
    await queryRunner.query(`
      CREATE TABLE settlement.settlement_payments (
        payment_id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        method_type text NOT NULL,
        last4 text,
        invoices jsonb NOT NULL,
        business_date date NOT NULL,
        posting_date date NOT NULL,
        status text NOT NULL CHECK (status IN ('scheduled', 'posted')),
        correlation_id text NOT NULL,
        posted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX settlement_payments_due_idx ON settlement.settlement_payments (posting_date) WHERE status = 'scheduled'`,
    );
    await createMessagingTables(queryRunner, 'settlement');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropMessagingTables(queryRunner, 'settlement');
    await queryRunner.query(`DROP TABLE IF EXISTS settlement.settlement_payments`);
  }
}
