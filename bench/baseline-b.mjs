// Baseline (b) for `npm run bench`: node:http and pg only, with hand-written group commit. Pings
// (and session starts) queue and are written every 2 ms, or at once when 500 have queued, in ONE
// statement over unnest(...) arrays: it locks and touches the open sessions and inserts the events
// of those sessions. Each request is answered only after its batch has committed.
import { LIVE, startBaseline } from './baseline-common.mjs';

const DELAY_MS = 2;
const MAX_ROWS = 500;

const CREATE_SESSIONS = `
  WITH created AS (
    INSERT INTO sessions (id, report_suite, media_id, content_type, media_length, params, last_playhead)
    SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::jsonb[], $7::float8[])
    RETURNING id, created_at
  )
  INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata, received_at)
  SELECT e.id, 1, 'sessionStart', e.ts, e.playhead, e.params, e.qoe_data, e.custom_metadata, created.created_at
    FROM unnest($1::bytea[], $8::int8[], $7::float8[], $6::jsonb[], $9::jsonb[], $10::jsonb[])
           AS e(id, ts, playhead, params, qoe_data, custom_metadata)
    JOIN created ON created.id = e.id`;

const APPEND_EVENTS = `
  WITH input AS (
    SELECT * FROM unnest($1::bytea[], $2::text[], $3::int8[], $4::float8[], $5::jsonb[], $6::jsonb[], $7::jsonb[])
      WITH ORDINALITY AS t(session_id, event_type, ts, playhead, params, qoe_data, custom_metadata, ord)
  ),
  batch AS (
    SELECT session_id, count(*)::int AS n, (array_agg(playhead ORDER BY ord DESC))[1] AS last_playhead
      FROM input GROUP BY session_id
  ),
  target AS (
    -- One lock order for every batch, so concurrent batches cannot deadlock.
    SELECT s.id, s.event_count AS base, b.n, b.last_playhead, s.last_playhead <> b.last_playhead AS moved
      FROM sessions s JOIN batch b ON b.session_id = s.id
     WHERE ${LIVE}
     ORDER BY s.id
       FOR UPDATE OF s
  ),
  touched AS (
    UPDATE sessions s
       SET event_count = t.base + t.n,
           last_event_at = now(),
           last_playhead = t.last_playhead,
           playhead_moved_at = CASE WHEN t.moved THEN now() ELSE s.playhead_moved_at END
      FROM target t WHERE s.id = t.id
  ),
  inserted AS (
    INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
    SELECT i.session_id, t.base + row_number() OVER (PARTITION BY i.session_id ORDER BY i.ord),
           i.event_type, i.ts, i.playhead, i.params, i.qoe_data, i.custom_metadata
      FROM input i JOIN target t ON t.id = i.session_id
    ON CONFLICT DO NOTHING
  )
  SELECT t.id IS NOT NULL AS found
    FROM input i LEFT JOIN target t ON t.id = i.session_id
   ORDER BY i.ord`;

/** Queues items; writes them every DELAY_MS (or at MAX_ROWS) with one call of `write`. */
function batcher(write) {
  let queue = [];
  let timer;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    write(batch.map((p) => p.item)).then(
      (outputs) => batch.forEach((p, i) => p.resolve(outputs[i])),
      (error) => batch.forEach((p) => p.reject(error)),
    );
  };
  return (item) =>
    new Promise((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (queue.length >= MAX_ROWS) flush();
      else timer ??= setTimeout(flush, DELAY_MS);
    });
}

await startBaseline('baseline-b', (pool) => ({
  createSession: batcher(async (sessions) => {
    await pool.query(CREATE_SESSIONS, [
      sessions.map((s) => s.id),
      sessions.map((s) => s.reportSuite),
      sessions.map((s) => s.mediaId),
      sessions.map((s) => s.contentType),
      sessions.map((s) => s.mediaLength),
      sessions.map((s) => s.event.params),
      sessions.map((s) => s.event.playhead),
      sessions.map((s) => s.event.ts),
      sessions.map((s) => s.event.qoeData),
      sessions.map((s) => s.event.customMetadata),
    ]);
    return sessions.map(() => undefined);
  }),
  appendEvent: batcher(async (events) => {
    const { rows } = await pool.query(APPEND_EVENTS, [
      events.map((e) => e.sessionId),
      events.map((e) => e.eventType),
      events.map((e) => e.ts),
      events.map((e) => e.playhead),
      events.map((e) => e.params),
      events.map((e) => e.qoeData),
      events.map((e) => e.customMetadata),
    ]);
    return rows.map((row) => row.found);
  }),
}));
