import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * The connection pool TypeORM opened, used directly on the hot paths, so that no query runner is
 * made and released per statement.
 */
export class SqlPool {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    const result = await this.pool.query(text, values);
    return result.rows as T[];
  }

  /**
   * The same through a named prepared statement: each connection parses and plans it once, and
   * PostgreSQL may keep one generic plan. For the hot batched writes, whose shape does not depend
   * on the values; `name` must be unique to `text`.
   */
  async preparedRows<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    const result = await this.pool.query({ name, text, values });
    return result.rows as T[];
  }

  /**
   * Whether a write could start now: a connection, and `lock` on `tables`, each granted within
   * `ms` (a table locked by someone else fails this, as it would hold every write). Nothing is
   * written; the lock is let go at once.
   */
  async probeLocks(tables: readonly string[], lock: string, ms: number): Promise<void> {
    const client = await this.pool.connect();
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
      client.release(broken);
    }
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
