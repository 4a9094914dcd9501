import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Stored session reports (computed once when a session closes) and what the live view needs:
 * each session's current player, break and ad state, each with the player ts that set it, so an
 * event arriving late (earlier ts) does not overwrite a newer state (contract C5 order).
 */
export class SessionReports1764220000000 implements MigrationInterface {
  name = 'SessionReports1764220000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sessions
        ADD COLUMN reported_at    timestamptz,
        ADD COLUMN playback_state text NOT NULL DEFAULT 'starting'
          CHECK (playback_state IN ('starting', 'playing', 'paused', 'buffering')),
        ADD COLUMN playback_ts    bigint NOT NULL DEFAULT 0,
        ADD COLUMN in_break       boolean NOT NULL DEFAULT false,
        ADD COLUMN break_ts       bigint NOT NULL DEFAULT 0,
        ADD COLUMN ad_event       text,
        ADD COLUMN ad_ts          bigint NOT NULL DEFAULT 0`);
    // The report worker looks only at closed sessions without a report.
    await db.query(
      `CREATE INDEX sessions_unreported ON sessions (closed_at) WHERE closed_at IS NOT NULL AND reported_at IS NULL`,
    );
    await db.query(`
      CREATE TABLE session_reports (
        session_id              bytea PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        started_at              timestamptz NOT NULL,
        computed_at             timestamptz NOT NULL DEFAULT now(),
        report_suite            text NOT NULL,
        media_id                text NOT NULL,
        media_channel           text NOT NULL,
        content_type            text NOT NULL,
        content_started         boolean NOT NULL,
        content_completed       boolean NOT NULL,
        drop_before_start       boolean NOT NULL,
        content_time_spent      double precision NOT NULL,
        ad_time_spent           double precision NOT NULL,
        media_time_spent        double precision NOT NULL,
        average_minute_audience double precision NOT NULL,
        buffer_duration         double precision NOT NULL,
        average_bitrate         double precision,
        error_count             integer NOT NULL,
        ad_starts               integer NOT NULL,
        ad_completes            integer NOT NULL,
        report                  jsonb NOT NULL
      )`);
    await db.query(`CREATE INDEX session_reports_started_at ON session_reports (started_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE session_reports`);
    await db.query(`DROP INDEX sessions_unreported`);
    await db.query(
      `ALTER TABLE sessions DROP COLUMN reported_at, DROP COLUMN playback_state, DROP COLUMN playback_ts,
         DROP COLUMN in_break, DROP COLUMN break_ts, DROP COLUMN ad_event, DROP COLUMN ad_ts`,
    );
  }
}
