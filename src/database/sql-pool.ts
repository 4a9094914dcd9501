import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * The connection pool TypeORM opened, used directly on the hot paths, so that no query runner is
 * made and released per statement. Statements are not prepared: measured, PostgreSQL's generic
 * plan for the batched writes cost about three times the planning it saves.
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

  /** Connections open, idle, and requests waiting for one (for metrics and health). */
  usage(): { total: number; idle: number; waiting: number } {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }
}
