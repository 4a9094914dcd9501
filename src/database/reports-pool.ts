import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { type DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { SqlConnection } from './sql-connection.js';

/** How much longer than the server's statement timeout the client waits before dropping a connection. */
const QUERY_TIMEOUT_MARGIN_MS = 2_000;

/**
 * How often the server looks, while a statement runs, whether its client is still connected
 * (PostgreSQL 14+): a statement whose connection was dropped stops within this time instead of
 * running to its end for nobody.
 */
const CONNECTION_CHECK_INTERVAL_MS = 1_000;

/**
 * The reporting API's and the report worker's own connections (`REPORTS_POOL_SIZE`), apart from
 * ingestion's pool, so that no reporting load takes a connection a write needs. Every statement
 * is bounded by `REPORTS_QUERY_TIMEOUT_MS` on the server, a little longer on the client (a
 * stalled network never answers), and a caller waits for a free connection at most that long.
 */
export class ReportsPool implements OnApplicationShutdown {
  private static readonly logger = new Logger('ReportsPool');
  private readonly pool: pg.Pool;

  constructor(url: string, config: Pick<AppConfig, 'reportsPoolSize' | 'reportsQueryTimeoutMs'>) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: config.reportsPoolSize,
      connectionTimeoutMillis: config.reportsQueryTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: REPORTS_APPLICATION_NAME,
      statement_timeout: config.reportsQueryTimeoutMs,
      query_timeout: config.reportsQueryTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
      // A transaction left open by a stalled caller must not hold its snapshot or locks for long.
      idle_in_transaction_session_timeout: config.reportsQueryTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
      // No JIT: a report reads many rows through little arithmetic, and compiling its statement
      // takes hundreds of milliseconds that a cancel or a statement timeout cannot interrupt.
      options: `-c client_connection_check_interval=${CONNECTION_CHECK_INTERVAL_MS} -c jit=off`,
    });
    // An idle connection the server ends (a restart, a timeout) must not crash the service.
    this.pool.on('error', (error) =>
      ReportsPool.logger.warn(`an idle reporting connection failed: ${error.message}`),
    );
  }

  /** The pool of the same database the DataSource connects to. */
  static of(dataSource: DataSource, config: AppConfig): ReportsPool {
    const { url } = dataSource.options as { url?: string };
    if (!url) throw new Error('the DataSource has no URL to open the reports pool with');
    return new ReportsPool(url, config);
  }

  /**
   * Runs `work` on one connection. When `signal` aborts (the client went away, or the request's
   * deadline passed), the wait for a connection ends, the connection in use is dropped (so the
   * server stops its statement) and the call rejects with the signal's reason. A connection whose
   * work failed is dropped too: it may be inside a failed transaction or an open cursor.
   */
  async withConnection<T>(
    signal: AbortSignal | undefined,
    work: (connection: SqlConnection) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted();
    const client = await this.acquire(signal);
    const connection = new SqlConnection(client, signal);
    const drop = () => connection.drop(signal && abortReason(signal));
    signal?.addEventListener('abort', drop, { once: true });
    try {
      const result = await work(connection);
      signal?.throwIfAborted();
      connection.release();
      return result;
    } catch (error) {
      connection.drop(error);
      throw signal?.aborted ? abortReason(signal) : error;
    } finally {
      signal?.removeEventListener('abort', drop);
    }
  }

  /** Connections open, idle, and callers waiting for one (for metrics). */
  usage(): { total: number; idle: number; waiting: number } {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  private acquire(signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    const pending = this.pool.connect();
    if (!signal) return pending;
    return new Promise((resolve, reject) => {
      const abandon = () => reject(abortReason(signal));
      signal.addEventListener('abort', abandon, { once: true });
      pending.then(
        (client) => {
          signal.removeEventListener('abort', abandon);
          // Handed over after the caller gave up waiting: straight back to the pool.
          if (signal.aborted) client.release();
          else resolve(client);
        },
        (error: Error) => {
          signal.removeEventListener('abort', abandon);
          reject(error);
        },
      );
    });
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** `application_name` of the reporting connections, as `pg_stat_activity` shows them. */
export const REPORTS_APPLICATION_NAME = 'media-collection-api-reports';
