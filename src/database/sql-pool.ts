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

  /** Connections open, idle, and requests waiting for one (for metrics and health). */
  usage(): { total: number; idle: number; waiting: number } {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }
}
