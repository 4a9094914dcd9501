import type pg from 'pg';

export type Isolation = 'READ COMMITTED' | 'REPEATABLE READ';

/**
 * The one way a repository talks to PostgreSQL: statements (named prepared ones for the hot
 * paths), transactions as a function, and cursors read in pages. `SqlPool` (ingestion) and
 * `ReportsPool.withConnection` (reporting) both hand out this shape.
 */
export interface Sql {
  rows<T>(text: string, values?: readonly unknown[]): Promise<T[]>;
  /**
   * The same through a named prepared statement: each connection parses and plans it once, and
   * PostgreSQL may keep one generic plan. For statements whose shape does not depend on the
   * values; `name` must be unique to `text`.
   */
  preparedRows<T>(name: string, text: string, values: readonly unknown[]): Promise<T[]>;
  /** `work` inside one transaction on one connection, committed when it resolves, rolled back when it fails. */
  transaction<T>(isolation: Isolation, work: (tx: SqlConnection) => Promise<T>): Promise<T>;
}

/**
 * One checked-out connection. Released by whoever checked it out: back to the pool after work
 * that succeeded, dropped after work that failed (it may be inside a failed transaction or an
 * open cursor). A signal that aborts refuses further statements.
 */
export class SqlConnection implements Sql {
  private released = false;
  private cursors = 0;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly signal?: AbortSignal,
  ) {}

  async rows<T>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    this.signal?.throwIfAborted();
    const result = await this.client.query(text, values as unknown[]);
    return result.rows as T[];
  }

  async preparedRows<T>(name: string, text: string, values: readonly unknown[]): Promise<T[]> {
    this.signal?.throwIfAborted();
    const result = await this.client.query({ name, text, values: values as unknown[] });
    return result.rows as T[];
  }

  async transaction<T>(isolation: Isolation, work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    await this.rows(`BEGIN ISOLATION LEVEL ${isolation}`);
    try {
      const result = await work(this);
      await this.rows('COMMIT');
      return result;
    } catch (error) {
      // On a dropped connection this fails at once; the connection is then not reused anyway.
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * The rows of `text` in pages of `pageSize`, through a server-side cursor: only one page is
   * ever held, however many rows the statement gives. Inside a transaction only.
   */
  async *pages<T>(text: string, values: readonly unknown[], pageSize: number): AsyncGenerator<T[]> {
    this.cursors += 1;
    const name = `cursor_${this.cursors}`;
    await this.rows(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values);
    for (;;) {
      const page = await this.rows<T>(`FETCH ${pageSize} FROM ${name}`);
      if (page.length > 0) yield page;
      if (page.length < pageSize) break;
    }
    await this.rows(`CLOSE ${name}`);
  }

  /** Back to the pool for the next caller. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.client.release();
  }

  /** Closed instead of returned: a statement still running on it stops on the server. */
  drop(reason: unknown): void {
    if (this.released) return;
    this.released = true;
    this.client.release(reason instanceof Error ? reason : new Error(String(reason)));
  }
}
