// Baseline (a) for `npm run bench`: node:http and pg only, one statement (one commit) per request.
// A session start inserts the session and its sessionStart event together; a ping checks that the
// session is open, touches it (last_event_at, event_count, playhead) and inserts the event, and
// is answered only after that statement has committed.
import { LIVE, startBaseline } from './baseline-common.mjs';

const CREATE_SESSION = `
  WITH created AS (
    INSERT INTO sessions (id, report_suite, media_id, content_type, media_length, params, last_playhead)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING id, created_at
  )
  INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata, received_at)
  SELECT id, 1, 'sessionStart', $8, $7, $6, $9, $10, created_at FROM created`;

const APPEND_EVENT = `
  WITH touched AS (
    UPDATE sessions s
       SET event_count = s.event_count + 1,
           last_event_at = now(),
           last_playhead = $4,
           playhead_moved_at = CASE WHEN s.last_playhead <> $4 THEN now() ELSE s.playhead_moved_at END
     WHERE s.id = $1 AND ${LIVE}
    RETURNING s.id, s.event_count
  ),
  inserted AS (
    INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
    SELECT id, event_count, $2, $3, $4, $5, $6, $7 FROM touched
    ON CONFLICT DO NOTHING
  )
  SELECT count(*)::int AS found FROM touched`;

await startBaseline('baseline-a', (pool) => ({
  async createSession(s) {
    const e = s.event;
    await pool.query(CREATE_SESSION, [
      s.id,
      s.reportSuite,
      s.mediaId,
      s.contentType,
      s.mediaLength,
      e.params,
      e.playhead,
      e.ts,
      e.qoeData,
      e.customMetadata,
    ]);
  },
  async appendEvent(e) {
    const { rows } = await pool.query(APPEND_EVENT, [
      e.sessionId,
      e.eventType,
      e.ts,
      e.playhead,
      e.params,
      e.qoeData,
      e.customMetadata,
    ]);
    return rows[0].found > 0;
  },
}));
