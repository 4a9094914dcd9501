import { type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

/**
 * The one description of the database connection, shared by the service and the TypeORM CLI.
 * `synchronize` is off everywhere: the schema changes only through migrations.
 */
export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    entities: [],
    extra: {
      max: poolSize,
      // Fail fast when the database is away instead of queueing requests behind a dead pool.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'media-collection-api',
    },
  };
}
