// Registers pg's `date` parser (business dates stay 'YYYY-MM-DD' strings) wherever a DataSource is built.
import '@remit/persistence';
import type { DataSourceOptions } from 'typeorm';

/** TypeORM's options for a PostgreSQL DataSource (typeorm 1 exports only the union from its root). */
type PostgresConnectionOptions = Extract<DataSourceOptions, { type: 'postgres' }>;
import type { RemitConfig } from '../config/remit-config';

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
 * The DataSource options of one service, shared by `PlatformModule` and each app's `data-source.ts`
 * (`npm run migrate`): one schema per service, its migrations table inside that schema, migrations
 * committed and run explicitly (or at start with DB_MIGRATIONS_RUN), and never `synchronize`.
 */
export function buildDataSourceOptions(
  config: Pick<RemitConfig, 'databaseUrl' | 'migrationsRun'>,
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
    extra: { max: 10 },
  };
}
