import type { Pool, PoolClient, QueryConfig } from 'pg';
import type { Socket } from 'node:net';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * The connection pool TypeORM opened, used directly on the hot paths, so that no query runner is
 * made and released per statement.
 */
export class SqlPool {
  private readonly pool: Pool;

  /**
   * `queryTimeoutMs`: a query not answered in this time has its connection dropped, so that a
   * connection that stalls without closing (the server's own statement timeout cannot be heard
   * through it) frees the write queue. node-postgres's `query_timeout` does the same, but its
   * timer holds each query's values until it fires or is cleared: measured under the ping load, it
   * doubled the old generation and added 80 MB of peak RSS.
   */
  constructor(
    dataSource: DataSource,
    private readonly queryTimeoutMs?: number,
  ) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    return this.run<T>({ text, values });
  }

  /**
   * The same through a named prepared statement: each connection parses and plans it once, and
   * PostgreSQL may keep one generic plan. For the hot batched writes, whose shape does not depend
   * on the values; `name` must be unique to `text`.
   */
  async preparedRows<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    return this.run<T>({ name, text, values });
  }

  private async run<T>(query: QueryConfig): Promise<T[]> {
    const client = await this.checkOut();
    const timer =
      this.queryTimeoutMs === undefined ? undefined : dropAfter(client, this.queryTimeoutMs);
    let failed: Error | undefined;
    try {
      const result = await client.query(query);
      return result.rows as T[];
    } catch (error) {
      failed = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      clearTimeout(timer);
      client.release(failed);
    }
  }

  /**
   * Whether a write could start now: a connection, and `lock` on `tables`, each granted within
   * `ms` (a table locked by someone else fails this, as it would hold every write). Nothing is
   * written; the lock is let go at once.
   */
  async probeLocks(tables: readonly string[], lock: string, ms: number): Promise<void> {
    const client = await this.checkOut();
    const timer = dropAfter(client, this.queryTimeoutMs ?? ms * 2);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${Math.ceil(ms)}`);
      await client.query(`SET LOCAL statement_timeout = ${Math.ceil(ms)}`);
      await client.query(`LOCK TABLE ${tables.join(', ')} IN ${lock} MODE`);
    } finally {
      // A lock not granted in time leaves a healthy connection: it goes back to the pool. Only
      // one that cannot even roll back is dropped.
      await client.query('ROLLBACK').catch((error: unknown) => {
        broken = error instanceof Error ? error : new Error(String(error));
      });
      clearTimeout(timer);
      client.release(broken);
    }
  }

  /**
   * A connection of the pool. A checked-out client whose connection fails (or is dropped by
   * `dropAfter`) emits 'error', which with no listener would end the process: the failure reaches
   * its query as a rejection, so the event itself is ignored (once per client).
   */
  private async checkOut(): Promise<PoolClient> {
    const client = await this.pool.connect();
    if (!guarded.has(client)) {
      guarded.add(client);
      client.on('error', () => undefined);
    }
    return client;
  }

  /** Connections open, idle, and requests waiting for one (for metrics and health). */
  usage(): { total: number; idle: number; waiting: number } {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }
}

const guarded = new WeakSet<PoolClient>();

/** Drops the client's connection after `ms`: its query in flight then fails at once. */
function dropAfter(client: PoolClient, ms: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    (client as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy();
  }, ms);
  timer.unref();
  return timer;
}
