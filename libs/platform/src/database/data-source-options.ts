// Registers pg's `date` parser (business dates stay 'YYYY-MM-DD' strings) wherever a DataSource is built.
import '@remit/persistence';
import type { DataSourceOptions } from 'typeorm';

/** TypeORM's options for a PostgreSQL DataSource (typeorm 1 exports only the union from its root). */
type PostgresConnectionOptions = Extract<DataSourceOptions, { type: 'postgres' }>;
import type { RemitConfig } from '../config/remit-config';
import { PreparingClient } from './prepared-statements';

/** TypeORM's own type for entity and migration classes. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type OrmClass = Function;

export interface ServiceDatabase {
  /** The service's own schema (`invoice`, `intake`, `settlement`, `notification`). */
  schema: string;
  entities: readonly OrmClass[];
  /** Committed migration classes, in order. */
  migrations: readonly OrmClass[];
}

/**
 * Server-side limits of every session (docs/architecture.md, "Error envelope": an outage answers 503).
 * A request waits at most 10 s for a row lock and runs a statement for at most 30 s, well under the
 * 60 s after which clients and idempotency take a request for lost; PostgreSQL then cancels it
 * (55P03, 57014) and the edge answers 503 with `Retry-After` instead of the request hanging.
 */
export const DATABASE_SESSION_LIMITS = {
  lockTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
} as const;

/**
 * The DataSource options of one service, shared by `PlatformModule` and each app's `data-source.ts`
 * (`npm run migrate`): one schema per service, its migrations table inside that schema, migrations
 * committed and run explicitly (or at start with DB_MIGRATIONS_RUN), and never `synchronize`.
 */
export function buildDataSourceOptions(
  config: Pick<RemitConfig, 'databaseUrl' | 'migrationsRun'> &
    Partial<Pick<RemitConfig, 'preparedStatements'>>,
  database: ServiceDatabase,
): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    schema: database.schema,
    entities: [...database.entities],
    migrations: [...database.migrations],
    migrationsTableName: 'migrations',
    migrationsRun: config.migrationsRun,
    // Each migration commits on its own, so a failure leaves the schema at the last good one.
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
    applicationName: `remit-${database.schema}`,
    // A connection attempt waits at most 5 s, so an unreachable database fails requests instead of hanging them.
    connectTimeoutMS: 5000,
    // pg-pool options. The pool recovers from a restart of PostgreSQL by itself: a connection that
    // fails is dropped from the pool (TypeORM logs the pool's error) and the next request opens a new
    // one. Idle connections close after 10 minutes, and TCP keep-alive finds those that died silently.
    // Not sooner: at 30 s every lull in traffic closed them, and the next burst paid new backends (their
    // catalog caches, every statement prepared again) and, in the service, a garbage collection that
    // threw away the optimised code tied to the closed clients (docs/performance.md, part 12).
    extra: {
      max: 10,
      idleTimeoutMillis: 600_000,
      keepAlive: true,
      lock_timeout: DATABASE_SESSION_LIMITS.lockTimeoutMs,
      statement_timeout: DATABASE_SESSION_LIMITS.statementTimeoutMs,
      // The statements a connection repeats are parsed and planned once (prepared-statements.ts).
      ...(config.preparedStatements ? { Client: PreparingClient } : {}),
    },
  };
}

/**
 * The options `npm run migrate` (tools/migrate.ts) runs one service's migrations with: the service's
 * own, without the 30 s statement limit — a migration may build an index or fill a new column over a
 * table of millions of rows, and PostgreSQL would cancel it half-way (57014, the migration rolled back
 * and `npm run migrate` failing at every try) — and without prepared statements (each runs once). The
 * 10 s lock wait stays: a migration that cannot get its table's lock fails and can be run again, rather
 * than holding every request to that table in the queue behind it. A service that migrates at start
 * (`DB_MIGRATIONS_RUN=true`) runs them with these options too (`runServiceMigrations`).
 */
export function buildMigrationDataSourceOptions(
  config: Pick<RemitConfig, 'databaseUrl'>,
  database: ServiceDatabase,
): PostgresConnectionOptions {
  const options = buildDataSourceOptions(
    { databaseUrl: config.databaseUrl, migrationsRun: false, preparedStatements: false },
    database,
  );
  return { ...options, extra: { ...(options.extra as Record<string, unknown>), statement_timeout: 0 } };
}
