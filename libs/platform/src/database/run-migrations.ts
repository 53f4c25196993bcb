import { DataSource, type Migration } from 'typeorm';
import { sleep } from '@remit/messaging';
import type { RemitConfig } from '../config/remit-config';
import { buildMigrationDataSourceOptions, type ServiceDatabase } from './data-source-options';

/** Connection attempts before a migration run gives up (a database still starting, as the app's pool allows). */
const MIGRATION_CONNECT_ATTEMPTS = 5;
const MIGRATION_CONNECT_RETRY_MS = 2_000;

/**
 * Runs one service's pending migrations on a DataSource of their own
 * (`buildMigrationDataSourceOptions`: no statement time limit, a lock wait of 10 s, no prepared
 * statements), each in its own transaction, creating the schema first if it is missing, one run per
 * schema at a time (a PostgreSQL advisory lock); returns those that ran. Used by
 * `npm run migrate` and by a service that migrates at start (`DB_MIGRATIONS_RUN=true`), which before
 * ran them on its own pool and so under the 30 s statement limit of its requests.
 */
export async function runServiceMigrations(
  config: Pick<RemitConfig, 'databaseUrl'>,
  database: ServiceDatabase,
): Promise<Migration[]> {
  const dataSource = new DataSource(buildMigrationDataSourceOptions(config, database));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.initialize();
      break;
    } catch (error) {
      if (attempt >= MIGRATION_CONNECT_ATTEMPTS) throw error;
      await sleep(MIGRATION_CONNECT_RETRY_MS);
    }
  }
  const lockKey = `remit-migrations:${database.schema}`;
  const session = dataSource.createQueryRunner();
  try {
    await session.connect();
    // One run per schema at a time, across processes (replicas that start together, `npm run migrate`
    // beside them): the others wait, then find nothing pending. Waiting as long as that run takes.
    await session.query('SET lock_timeout = 0');
    await session.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      // CREATE SCHEMA IF NOT EXISTS would need the CREATE privilege even for a schema that exists.
      const [{ present }] = (await session.query('SELECT to_regnamespace($1) IS NOT NULL AS present', [
        database.schema,
      ])) as { present: boolean }[];
      if (!present) await session.query(`CREATE SCHEMA "${database.schema}"`);
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await session.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    await session.release();
    await dataSource.destroy();
  }
}
