import { type OnApplicationShutdown } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { type Isolation, type Sql, SqlConnection } from './sql-connection.js';
import type { Socket } from 'node:net';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * Ingestion's `Sql`: the connection pool TypeORM opened, used directly, so that no query runner
 * is made and released per statement.
 */
export class SqlPool implements Sql, OnApplicationShutdown {
  private readonly pool: Pool;
  /** When each connection now checked out was taken. */
  private readonly takenAt = new Map<PoolClient, number>();
  private readonly watch: NodeJS.Timeout | undefined;

  /**
   * `queryTimeoutMs`: a connection checked out for longer (each checkout is one query, or one
   * short lock probe) is dropped, so that one that stalls without closing (the server's own
   * statement timeout cannot be heard through it) frees the write queue. One sweep over the
   * checked-out connections does it, a twentieth of the timeout apart, instead of work per query:
   * node-postgres's `query_timeout` holds each query's values in its timer, and even a timer and an
   * awaited checkout per query promoted the batches' garbage to the old generation (measured under
   * the ping load: five times the old generation's growth and 40 MB of peak RSS).
   */
  constructor(dataSource: DataSource, queryTimeoutMs?: number) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
    if (queryTimeoutMs === undefined) return;
    this.pool.on('acquire', (client) => this.takenAt.set(client, performance.now()));
    this.pool.on('release', (_error, client) => this.takenAt.delete(client));
    this.pool.on('remove', (client) => this.takenAt.delete(client));
    this.watch = setInterval(
      () => this.dropStalled(queryTimeoutMs),
      Math.max(50, queryTimeoutMs / 20),
    );
    this.watch.unref();
  }

  async rows<T>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(text, values as unknown[]);
    return result.rows as T[];
  }

  async preparedRows<T>(name: string, text: string, values: readonly unknown[]): Promise<T[]> {
    const result = await this.pool.query({ name, text, values: values as unknown[] });
    return result.rows as T[];
  }

  async transaction<T>(isolation: Isolation, work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    const connection = new SqlConnection(await this.checkOut());
    try {
      const result = await connection.transaction(isolation, work);
      connection.release();
      return result;
    } catch (error) {
      connection.drop(error);
      throw error;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.watch);
  }

  /** Its query in flight then fails at once, and the pool lets the connection go. */
  private dropStalled(ms: number): void {
    const since = performance.now() - ms;
    for (const [client, at] of this.takenAt) {
      if (at > since) continue;
      this.takenAt.delete(client);
      (client as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy();
    }
  }

  /**
   * Whether a write could start now: a connection, and `lock` on `tables`, each granted within
   * `ms` (a table locked by someone else fails this, as it would hold every write). Nothing is
   * written; the lock is let go at once.
   */
  async probeLocks(tables: readonly string[], lock: string, ms: number): Promise<void> {
    const client = await this.checkOut();
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

  /**
   * A connection of the pool. A checked-out client whose connection fails (or is dropped as
   * stalled) emits 'error', which with no listener would end the process: the failure reaches its
   * query as a rejection, so the event itself is ignored (once per client).
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
