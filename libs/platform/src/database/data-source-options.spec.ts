import {
  buildDataSourceOptions,
  buildMigrationDataSourceOptions,
  DATABASE_SESSION_LIMITS,
} from './data-source-options';
import { PreparingClient } from './prepared-statements';

class InvoiceEntity {}
class Initial1764000000000 {}

describe(buildDataSourceOptions.name, () => {
  it('gives one service its schema, migrations table, entities and migrations; never synchronize', () => {
    const options = buildDataSourceOptions(
      { databaseUrl: 'postgres://postgres@127.0.0.1:5432/remit_test', migrationsRun: true },
      { schema: 'invoice', entities: [InvoiceEntity], migrations: [Initial1764000000000] },
    );
    expect(options).toMatchObject({
      type: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/remit_test',
      schema: 'invoice',
      entities: [InvoiceEntity],
      migrations: [Initial1764000000000],
      migrationsTableName: 'migrations',
      migrationsRun: true,
      synchronize: false,
    });
  });

  it('limits lock waits and statements well under a minute, and lets the pool recover from restarts', () => {
    const options = buildDataSourceOptions(
      { databaseUrl: 'postgres://x/remit', migrationsRun: false },
      { schema: 'intake', entities: [], migrations: [] },
    );
    expect(options.connectTimeoutMS).toBe(5000);
    expect(options.extra).toEqual({
      max: 10,
      idleTimeoutMillis: 600_000,
      keepAlive: true,
      lock_timeout: DATABASE_SESSION_LIMITS.lockTimeoutMs,
      statement_timeout: DATABASE_SESSION_LIMITS.statementTimeoutMs,
    });
    expect(DATABASE_SESSION_LIMITS.lockTimeoutMs).toBeLessThan(DATABASE_SESSION_LIMITS.statementTimeoutMs);
    expect(DATABASE_SESSION_LIMITS.statementTimeoutMs).toBeLessThan(60_000);
  });

  it('runs migrations at start only when configured', () => {
    const options = buildDataSourceOptions(
      { databaseUrl: 'postgres://x/remit', migrationsRun: false },
      { schema: 'intake', entities: [], migrations: [] },
    );
    expect(options.migrationsRun).toBe(false);
  });

  it('gives the pool the client that prepares repeated statements when DB_PREPARED_STATEMENTS is on', () => {
    const database = { schema: 'intake', entities: [], migrations: [] };
    const on = buildDataSourceOptions(
      { databaseUrl: 'postgres://x/remit', migrationsRun: false, preparedStatements: true },
      database,
    );
    const off = buildDataSourceOptions(
      { databaseUrl: 'postgres://x/remit', migrationsRun: false, preparedStatements: false },
      database,
    );
    expect((on.extra as { Client?: unknown }).Client).toBe(PreparingClient);
    expect((off.extra as { Client?: unknown }).Client).toBeUndefined();
  });
});

describe(buildMigrationDataSourceOptions.name, () => {
  it("runs a service's migrations in its schema with no statement limit, lock waits still limited, no prepared statements", () => {
    const options = buildMigrationDataSourceOptions(
      { databaseUrl: 'postgres://x/remit' },
      { schema: 'intake', entities: [InvoiceEntity], migrations: [Initial1764000000000] },
    );
    expect(options).toMatchObject({
      url: 'postgres://x/remit',
      schema: 'intake',
      migrations: [Initial1764000000000],
      migrationsTableName: 'migrations',
      migrationsRun: false,
      synchronize: false,
    });
    expect(options.extra).toMatchObject({
      statement_timeout: 0,
      lock_timeout: DATABASE_SESSION_LIMITS.lockTimeoutMs,
    });
    expect((options.extra as { Client?: unknown }).Client).toBeUndefined();
  });
});
