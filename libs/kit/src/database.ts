import '@remit/persistence';
import type { DataSourceOptions } from 'typeorm';
import type { RemitConfig } from './config';

export interface ServiceDatabase {
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

/** One schema per service; migrations committed and run explicitly, never `synchronize`. */
export function buildDataSourceOptions(config: RemitConfig, database: ServiceDatabase): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    schema: database.schema,
    entities: database.entities,
    migrations: database.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: config.migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: 10, application_name: `remit-${database.schema}` },
  };
}
