import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig, PlatformModule, runServiceMigrations } from '@remit/platform';

/**
 * A migration that records the session limits it ran under, as an index build or a backfill over a
 * big table would meet them.
 */
function recordingMigration(schema: string) {
  return class RecordLimits1764500000000 implements MigrationInterface {
    name = 'RecordLimits1764500000000';
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(
        `CREATE TABLE "${schema}".limits AS
           SELECT current_setting('statement_timeout') AS statement_timeout,
                  current_setting('lock_timeout') AS lock_timeout`,
      );
    }
    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".limits`);
    }
  };
}

/** Migrations through `npm run migrate` and at a service's start (DB_MIGRATIONS_RUN), on a real server. */
describe('service migrations', () => {
  const config = loadConfig();
  const schemas: string[] = [];
  const client = new Client({ connectionString: config.databaseUrl });

  function newSchema(): string {
    const schema = `migrations_test_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return schema;
  }

  async function limits(schema: string): Promise<{ statement_timeout: string; lock_timeout: string }> {
    const { rows } = await client.query(`SELECT statement_timeout, lock_timeout FROM "${schema}".limits`);
    return rows[0];
  }

  beforeAll(() => client.connect());

  afterAll(async () => {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('runs pending migrations without the statement limit of requests, once', async () => {
    const schema = newSchema();
    const database = { schema, entities: [], migrations: [recordingMigration(schema)] };
    const ran = await runServiceMigrations(config, database);
    expect(ran.map((migration) => migration.name)).toEqual(['RecordLimits1764500000000']);
    expect(await limits(schema)).toEqual({ statement_timeout: '0', lock_timeout: '10s' });
    expect(await runServiceMigrations(config, database)).toEqual([]);
  });

  it('lets two runs started together (two replicas) apply each migration once, the second waiting', async () => {
    const schema = newSchema();
    const database = { schema, entities: [], migrations: [recordingMigration(schema)] };
    const runs = await Promise.all([
      runServiceMigrations(config, database),
      runServiceMigrations(config, database),
    ]);
    expect(runs.map((ran) => ran.length).sort()).toEqual([0, 1]);
    const { rows } = await client.query(`SELECT count(*)::int AS count FROM "${schema}".migrations`);
    expect(rows[0].count).toBe(1);
  });

  it('migrates a service that starts with DB_MIGRATIONS_RUN the same way, before its pool opens', async () => {
    const schema = newSchema();
    // The schema exists, as the services' do once the database is set up.
    await client.query(`CREATE SCHEMA "${schema}"`);
    @Module({
      imports: [
        PlatformModule.forRoot({
          service: 'invoice',
          schema,
          entities: [],
          migrations: [recordingMigration(schema)],
          config: { ...config, migrationsRun: true },
        }),
      ],
    })
    class MigratingAtStart {}
    const moduleRef = await Test.createTestingModule({ imports: [MigratingAtStart] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      // Not the requests' 30 s limit, which it met when it ran on the service's own pool.
      expect(await limits(schema)).toEqual({ statement_timeout: '0', lock_timeout: '10s' });
    } finally {
      await app.close();
    }
  });
});
