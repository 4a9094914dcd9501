import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What Adobe's own clients need (contract C3 to C5):
 * - A retry is the same whole body, not the same (type, ts): the SDKs send two different events of
 *   one type in one millisecond. The unique index keys the body through `event_key`, a hash of
 *   the type, playhead and JSON members as jsonb holds them (`{}` the same as none), so no stored
 *   row needs rewriting. Stored events were unique by (type, ts), so they are unique by the finer key too:
 *   every stored retry stays stored once.
 * - A completed session closes after a grace (`completed`, close reason `complete`).
 * - Reports count the retries answered (`retries`) and have no average minute audience when the
 *   content's length is unknown.
 */
export class RealClients1764230000000 implements MigrationInterface {
  name = 'RealClients1764230000000';

  async up(db: QueryRunner): Promise<void> {
    // One 64-bit key of everything but the session and ts: the index is then no larger than the
    // old (session, ts, type) one. jsonb's own hash needs no text (jsonb orders keys itself and
    // hashes numbers by value); each part is seeded apart, so a value moved from one member to
    // another gives another key. A key may collide: the service compares the bodies themselves
    // before it calls an event a retry.
    await db.query(`
      CREATE FUNCTION event_key(event_type text, playhead float8, params jsonb, qoe_data jsonb,
                                custom_metadata jsonb) RETURNS bigint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT hashtextextended(event_type, 0) # hashfloat8extended(playhead, 4)
                   # jsonb_hash_extended(coalesce(nullif(params, '{}'), 'null'), 1)
                   # jsonb_hash_extended(coalesce(nullif(qoe_data, '{}'), 'null'), 2)
                   # jsonb_hash_extended(coalesce(nullif(custom_metadata, '{}'), 'null'), 3) $$`);
    await db.query(`
      CREATE UNIQUE INDEX events_retry ON events
        (session_id, ts, event_key(event_type, playhead, params, qoe_data, custom_metadata))`);
    await db.query(`DROP INDEX events_session_ts_type`);
    await db.query(`
      ALTER TABLE sessions
        ADD COLUMN completed boolean NOT NULL DEFAULT false,
        ADD COLUMN retries   integer NOT NULL DEFAULT 0,
        DROP CONSTRAINT sessions_close_reason_check,
        ADD CONSTRAINT sessions_close_reason_check
          CHECK (close_reason IN ('end', 'complete', 'idle', 'stalled', 'max-duration', 'downloaded'))`);
    // Sessions still open follow the new rules from now on: one that has completed gets its grace.
    await db.query(`
      UPDATE sessions s SET completed = true
       WHERE s.closed_at IS NULL
         AND EXISTS (SELECT FROM events e WHERE e.session_id = s.id AND e.event_type = 'sessionComplete')`);
    await db.query(
      `ALTER TABLE session_reports ALTER COLUMN average_minute_audience DROP NOT NULL`,
    );
  }

  /**
   * Back to the old schema, which can hold only one event per (session, type, ts) and no
   * `complete` close: of events that share those, the first to arrive is kept (what the old rule
   * would have stored); a session closed as complete reads as idle, as the old rules closed it.
   */
  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `UPDATE session_reports SET average_minute_audience = 0 WHERE average_minute_audience IS NULL`,
    );
    await db.query(`ALTER TABLE session_reports ALTER COLUMN average_minute_audience SET NOT NULL`);
    await db.query(`UPDATE sessions SET close_reason = 'idle' WHERE close_reason = 'complete'`);
    await db.query(`
      ALTER TABLE sessions
        DROP CONSTRAINT sessions_close_reason_check,
        ADD CONSTRAINT sessions_close_reason_check
          CHECK (close_reason IN ('end', 'idle', 'stalled', 'max-duration', 'downloaded')),
        DROP COLUMN retries,
        DROP COLUMN completed`);
    await db.query(`
      WITH merged AS (
        DELETE FROM events e
         WHERE EXISTS (SELECT FROM events f
                        WHERE f.session_id = e.session_id AND f.ts = e.ts AND f.event_type = e.event_type
                          AND f.seq < e.seq)
        RETURNING session_id
      )
      UPDATE sessions s SET event_count = s.event_count - m.n
        FROM (SELECT session_id, count(*)::int AS n FROM merged GROUP BY session_id) m
       WHERE s.id = m.session_id`);
    await db.query(
      `CREATE UNIQUE INDEX events_session_ts_type ON events (session_id, ts, event_type)`,
    );
    await db.query(`DROP INDEX events_retry`);
    await db.query(`DROP FUNCTION event_key(text, float8, jsonb, jsonb, jsonb)`);
  }
}
