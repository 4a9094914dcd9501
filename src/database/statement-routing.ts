import { type SessionStatements } from '../config/app-config.js';
import { type Sql } from './sql-connection.js';

/**
 * How statements address sessions, found once at start: whether the tables are distributed by
 * the session key (Citus), and whether writes that lock sessions go one session per statement.
 * On a distributed table a statement naming one key runs on that key's shard alone, with all of
 * PostgreSQL; one that locks rows of many keys is refused, so there every such write names its
 * key (`SESSION_STATEMENTS=auto`). On one server a statement for many sessions costs one commit.
 */
export class StatementRouting {
  private constructor(
    readonly distributed: boolean,
    readonly perSession: boolean,
  ) {}

  static async resolve(sql: Sql, setting: SessionStatements): Promise<StatementRouting> {
    const [citus] = await sql.rows<{ installed: boolean }>(
      `SELECT to_regclass('pg_dist_partition') IS NOT NULL AS installed`,
    );
    let distributed = false;
    if (citus?.installed) {
      const [row] = await sql.rows<{ distributed: boolean }>(
        `SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'sessions'::regclass) AS distributed`,
      );
      distributed = row?.distributed ?? false;
    }
    return new StatementRouting(
      distributed,
      setting === 'auto' ? distributed : setting === 'per-session',
    );
  }

  /**
   * Runs `statement` for the sessions of `keys`: once for all of them on one server; where
   * writes go per session, once per key, with `route` a condition naming that key on `column`
   * (the keys are bigints of our own making, safe as literals). Returns the rows of every run.
   */
  async byKey<T>(
    keys: readonly string[],
    column: string,
    statement: (keys: readonly string[], route: string) => Promise<T[]>,
  ): Promise<T[]> {
    if (!this.perSession) return keys.length === 0 ? [] : statement(keys, '');
    const rows: T[] = [];
    for (const key of keys)
      rows.push(...(await statement([key], ` AND ${column} = ${BigInt(key)}`)));
    return rows;
  }

  /** What the log says at start. */
  describe(): string {
    return `sessions are ${this.distributed ? 'distributed' : 'on one server'}; writes go ${this.perSession ? 'one session per statement' : 'in batches'}`;
  }
}
