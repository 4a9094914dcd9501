import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { CREATE_SESSIONS_ARGS, createSessionsFunction } from './1764260000000-session-keys.js';

/**
 * The wire format a session came in (`mca`, the Media Collection API, or `edge`, the Media Edge
 * API) and the Edge datastream id (`configId`) it named, so that reports say which and the summary
 * can group by them. Both live beside the sessionStart's params, written once per session, not in
 * the session row every ping rewrites; a report copies them. Sessions stored before are `mca`.
 */
export class WireFormats1764280000000 implements MigrationInterface {
  name = 'WireFormats1764280000000';

  async up(db: QueryRunner): Promise<void> {
    for (const table of ['session_params', 'session_reports']) {
      await db.query(
        `ALTER TABLE ${table} ADD COLUMN wire_format text NOT NULL DEFAULT 'mca', ADD COLUMN config_id text`,
      );
    }
    await db.query(`DROP FUNCTION create_sessions(${CREATE_SESSIONS_ARGS})`);
    await db.query(createSessionsFunction(true, true));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION create_sessions(${CREATE_SESSIONS_ARGS}, text[], text[])`);
    await db.query(createSessionsFunction(true));
    for (const table of ['session_params', 'session_reports']) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN wire_format, DROP COLUMN config_id`);
    }
  }
}
