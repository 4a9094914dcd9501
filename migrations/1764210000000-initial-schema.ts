import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The collection schema. Session ids are stored as their 32 bytes, not 64 hex characters: they
 * repeat on every event row. Every per-session table leads its primary key with the session id,
 * so the data can later be distributed by it.
 */
export class InitialSchema1764210000000 implements MigrationInterface {
  name = 'InitialSchema1764210000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE sessions (
        id                bytea PRIMARY KEY CHECK (octet_length(id) = 32),
        created_at        timestamptz NOT NULL DEFAULT now(),
        report_suite      text NOT NULL,
        media_id          text NOT NULL,
        content_type      text NOT NULL,
        media_length      double precision NOT NULL,
        params            jsonb NOT NULL,
        downloaded        boolean NOT NULL DEFAULT false,
        closed_at         timestamptz,
        close_reason      text CHECK (close_reason IN ('end', 'idle', 'stalled', 'max-duration', 'downloaded')),
        last_event_at     timestamptz NOT NULL DEFAULT now(),
        last_playhead     double precision NOT NULL,
        playhead_moved_at timestamptz NOT NULL DEFAULT now(),
        event_count       integer NOT NULL DEFAULT 1,
        CONSTRAINT sessions_close_complete CHECK ((closed_at IS NULL) = (close_reason IS NULL))
      ) WITH (fillfactor = 70)`);
    await db.query(`CREATE INDEX sessions_created_at ON sessions (created_at)`);
    // The lifecycle sweep and the live view look only at open sessions. No index holds a column
    // that every event changes (last_event_at, playhead_moved_at, event_count): the per-event
    // update of a session then stays a HOT update in its own page (hence the fillfactor), instead
    // of a new row version in every index.
    await db.query(`CREATE INDEX sessions_open ON sessions (created_at) WHERE closed_at IS NULL`);
    await db.query(`
      CREATE TABLE events (
        session_id      bytea NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq             integer NOT NULL,
        event_type      text NOT NULL,
        ts              bigint NOT NULL,
        playhead        double precision NOT NULL,
        params          jsonb,
        qoe_data        jsonb,
        custom_metadata jsonb,
        received_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, seq)
      )`);
    // A retried event (same session, type and player ts) is stored once; the index also serves
    // reading a session's events in ts order.
    await db.query(
      `CREATE UNIQUE INDEX events_session_ts_type ON events (session_id, ts, event_type)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE events`);
    await db.query(`DROP TABLE sessions`);
  }
}
