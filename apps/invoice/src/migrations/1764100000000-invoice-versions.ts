import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Invoice snapshots carry a version, so that readers can refuse an older snapshot delivered again. */
export class InvoiceVersions1764100000000 implements MigrationInterface {
  name = 'InvoiceVersions1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE invoice.invoices ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE invoice.invoices DROP COLUMN version`);
  }
}
