import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payments whose money is still on its way to their invoices, by customer: a payment request, an
 * autopay run and a return's re-presentment read the customer's money in flight, which without this
 * index meant every payment the customer ever made (or, for a customer with most of the table's rows, a
 * sequential scan). The predicate is `IN_FLIGHT_CONDITION` of submit-payment.service.ts, word for
 * word: PostgreSQL uses a partial index only for a query whose condition implies its predicate.
 */
export class IntakeInFlightIndex1764400000000 implements MigrationInterface {
  name = 'IntakeInFlightIndex1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS payments_in_flight_idx ON intake.payments (customer_id)
        WHERE status IN ('submitted', 'scheduled', 'awaiting_funds') OR (status = 'posted' AND applied_at IS NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS intake.payments_in_flight_idx`);
  }
}
