import { type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

/** Bounds on every statement of a pool: none for migrations, the request deadline for the service. */
export interface StatementTimeouts {
  /** The server stops a statement (lock waits included) after this long. */
  readonly statementMs: number;
  /**
   * The client gives up on a query after this long and drops its connection: a stalled network
   * never answers, so the server's own timeout cannot be heard. A little longer than
   * `statementMs`, so that a slow statement is stopped by the server and keeps its connection.
   */
  readonly queryMs: number;
}

/**
 * The one description of the database connection, shared by the service and the TypeORM CLI.
 * `synchronize` is off everywhere: the schema changes only through migrations.
 */
export function dataSourceOptions(
  url: string,
  poolSize: number,
  timeouts?: StatementTimeouts,
): DataSourceOptions {
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
      ...(timeouts && {
        statement_timeout: timeouts.statementMs,
        query_timeout: timeouts.queryMs,
        // A transaction left open by a stalled client must not hold its locks for long.
        idle_in_transaction_session_timeout: timeouts.queryMs,
      }),
    },
  };
}
