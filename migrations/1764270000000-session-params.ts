import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { createSessionsFunction, viewColumns, VIEW_JOIN } from './1764260000000-session-keys.js';

const START_PARAMS = '(SELECT p.params FROM session_params p WHERE p.session_key = s.key)';

/**
 * A sessionStart's params in a table of their own, keyed (and distributable) by the session key.
 * Every ping rewrites its session's row, and every read of open sessions scans those rows: without
 * the params a row is a quarter of its size, so the versions the pings leave and the scans of the
 * live view shrink with it. The view of events reads them by a subquery on the key, so that a
 * reader of many sessions' events keeps the plan of the events index. Rows stored before keep
 * their bytes until their next update rewrites them. No foreign key: the params are written with
 * their session by `create_sessions` and deleted with it by retention, and the key check on every
 * start cost a tenth of the start throughput.
 */
export class SessionParams1764270000000 implements MigrationInterface {
  name = 'SessionParams1764270000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE session_params (
        session_key bigint PRIMARY KEY,
        params jsonb NOT NULL)`);
    await db.query(
      `INSERT INTO session_params (session_key, params) SELECT key, params FROM sessions`,
    );
    await db.query(
      `CREATE OR REPLACE VIEW session_events AS SELECT ${viewColumns(START_PARAMS)}, e.session_key ${VIEW_JOIN}`,
    );
    await db.query(createSessionsFunction(true));
    await db.query(`ALTER TABLE sessions DROP COLUMN params`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions ADD COLUMN params jsonb`);
    await db.query(
      `UPDATE sessions s SET params = p.params FROM session_params p WHERE p.session_key = s.key`,
    );
    await db.query(`ALTER TABLE sessions ALTER COLUMN params SET NOT NULL`);
    await db.query(
      `CREATE OR REPLACE VIEW session_events AS SELECT ${viewColumns('s.params')}, e.session_key ${VIEW_JOIN}`,
    );
    await db.query(createSessionsFunction(false));
    await db.query(`DROP TABLE session_params`);
  }
}
