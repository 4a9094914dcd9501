import { type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

/** How much longer than the server's statement timeout the client waits before dropping a connection. */
export const QUERY_TIMEOUT_MARGIN_MS = 2_000;

/** Bounds on every statement of a pool: none for migrations, the request deadline for the service. */
export interface StatementTimeouts {
  /** The server stops a statement (lock waits included) after this long. */
  readonly statementMs: number;
  /**
   * A transaction idle this long is ended by the server. The service's own queries are given up
   * (and their connection dropped) after as long by `SqlPool`: a little longer than `statementMs`,
   * so that a slow statement is stopped by the server and keeps its connection.
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
      // A connection keeps the statements prepared on it, one per day for the appends that read
      // one day's partition: closed after a day, it never holds more than a few.
      maxLifetimeSeconds: 86_400,
      application_name: 'media-collection-api',
      // No JIT, as on the reporting connections: the sweep and retention touch many rows with
      // little arithmetic, and a compile outlasts a statement timeout's cancel.
      options: '-c jit=off',
      ...(timeouts && {
        statement_timeout: timeouts.statementMs,
        // A transaction left open by a stalled client must not hold its locks for long.
        idle_in_transaction_session_timeout: timeouts.queryMs,
      }),
    },
  };
}
