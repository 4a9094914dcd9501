import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitialSchema1764210000000 } from '../../migrations/1764210000000-initial-schema.js';
import { SessionReports1764220000000 } from '../../migrations/1764220000000-session-reports.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { post, request } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';
import { STORED_START_PARAMS as START_PARAMS } from '../support/stored-rows.js';
import { migrator, scratchDatabase } from '../support/scratch-database.js';

/** The migrations release 0.1.0 shipped. */
const RELEASE_0_1_0 = [InitialSchema1764210000000, SessionReports1764220000000];

const OPEN_COMPLETED = 'a1'.repeat(32);
const CLOSED = 'b2'.repeat(32);
const OPEN = 'c3'.repeat(32);

/** Rows as release 0.1.0 wrote them: its statements' columns, its JSON as JS serialised it. */
async function seedRelease010Data(db: pg.Client): Promise<void> {
  for (const [id, closed] of [
    [OPEN_COMPLETED, false],
    [CLOSED, true],
    [OPEN, false],
  ] as const) {
    await db.query(
      `INSERT INTO sessions (id, report_suite, media_id, content_type, media_length, params, last_playhead,
                             event_count, closed_at, close_reason, playback_state, playback_ts)
       VALUES (decode($1, 'hex'), 'rs', 'm1', 'vod', 60, $2, 4, 4, $3, $4, 'playing', 1000)`,
      [id, START_PARAMS, closed ? new Date() : null, closed ? 'end' : null],
    );
    const events: Array<[string, number, number, unknown, unknown, unknown]> = [
      ['sessionStart', 1, 0, START_PARAMS, { param1: 'x' }, { show: 'a' }],
      ['play', 1000, 0, null, { 'media.qoe.bitrate': 500000 }, null],
      ['ping', 11000, 10, null, null, null],
      [
        closed ? 'sessionEnd' : id === OPEN ? 'pauseStart' : 'sessionComplete',
        12000,
        11,
        {},
        null,
        null,
      ],
    ];
    for (const [i, [type, ts, playhead, params, qoe, custom]] of events.entries()) {
      await db.query(
        `INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
         VALUES (decode($1, 'hex'), $2, $3, $4, $5, $6, $7, $8)`,
        [id, i + 1, type, ts, playhead, params, qoe, custom],
      );
    }
  }
  await db.query(
    `INSERT INTO session_reports (session_id, started_at, report_suite, media_id, media_channel, content_type,
            content_started, content_completed, drop_before_start, content_time_spent, ad_time_spent,
            media_time_spent, average_minute_audience, buffer_duration, average_bitrate, error_count,
            ad_starts, ad_completes, report)
     VALUES (decode($1, 'hex'), now(), 'rs', 'm1', 'c', 'vod', true, false, false, 11, 0, 11, 0.18, 0, 500000,
             0, 0, 0, '{"sessionId":"kept as stored"}')`,
    [CLOSED],
  );
  await db.query(`UPDATE sessions SET reported_at = now() WHERE id = decode($1, 'hex')`, [CLOSED]);
}

/** Events as stored, whichever the schema: compact events are read through their view. */
async function storedEvents(db: pg.Client): Promise<unknown[]> {
  const [{ view }] = (
    await db.query<{ view: string | null }>(`SELECT to_regclass('session_events') AS view`)
  ).rows;
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT encode(session_id, 'hex') AS sid, seq, event_type, ts, playhead, params, qoe_data,
            custom_metadata, received_at
       FROM ${view ? 'session_events' : 'events'} ORDER BY session_id, seq`,
  );
  return rows;
}
/** Sessions as stored, whichever the schema: a sessionStart's params on the row or beside it. */
async function storedSessions(db: pg.Client): Promise<Array<Record<string, unknown>>> {
  const [{ apart }] = (
    await db.query<{ apart: string | null }>(`SELECT to_regclass('session_params') AS apart`)
  ).rows;
  const params = apart
    ? '(SELECT p.params FROM session_params p WHERE p.session_key = s.key) AS params'
    : 's.params';
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT encode(id, 'hex') AS sid, created_at, report_suite, media_id, content_type, media_length,
            ${params}, downloaded, closed_at, close_reason, last_event_at, last_playhead,
            playhead_moved_at, event_count, reported_at, playback_state, playback_ts, in_break,
            break_ts, ad_event, ad_ts
       FROM sessions s ORDER BY id`,
  );
  return rows;
}
const REPORTS = `SELECT encode(session_id, 'hex') AS sid, average_minute_audience, report FROM session_reports`;

describe('upgrading a database that holds release 0.1.0 data', () => {
  const scratch = scratchDatabase('upgrade_test');
  const { url } = scratch;
  let db: pg.Client;

  beforeAll(async () => {
    await scratch.create();
    const old = await migrator(url, RELEASE_0_1_0);
    await old.runMigrations();
    await old.destroy();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    await seedRelease010Data(db);
  });

  afterAll(async () => {
    await db?.end();
    await scratch.drop();
  });

  it('keeps every event, session and report; a completed open session gets its grace; down and up work', async () => {
    const before = {
      events: await storedEvents(db),
      sessions: await storedSessions(db),
      reports: (await db.query(REPORTS)).rows,
    };
    expect(before.events).toHaveLength(12);

    const current = await migrator(url, MIGRATIONS);
    const applied = await current.runMigrations();
    expect(applied.map((m) => m.name)).toEqual([
      'RealClients1764230000000',
      'BoundedSessions1764240000000',
      'CompactEvents1764250000000',
      'SessionKeys1764260000000',
      'SessionParams1764270000000',
      'WireFormats1764280000000',
    ]);
    // Sessions from before wire formats came in through the Media Collection API.
    const wireFormats = await db.query(
      `SELECT DISTINCT wire_format, config_id FROM session_params`,
    );
    expect(wireFormats.rows).toEqual([{ wire_format: 'mca', config_id: null }]);
    // Open sessions count the bytes they already hold against SESSION_MAX_BYTES; closed ones take
    // no more events, so they keep 0. Every stored report stays computable.
    const bytes = await db.query<{ sid: string; stored_bytes: string }>(
      `SELECT encode(id, 'hex') AS sid, stored_bytes FROM sessions ORDER BY id`,
    );
    const bytesOf = (sid: string) => Number(bytes.rows.find((r) => r.sid === sid)?.stored_bytes);
    expect(bytesOf(OPEN)).toBeGreaterThan(JSON.stringify(START_PARAMS).length);
    expect(bytesOf(OPEN_COMPLETED)).toBeGreaterThan(JSON.stringify(START_PARAMS).length);
    expect(bytesOf(CLOSED)).toBe(0);
    const computable = await db.query<{ computable: boolean }>(
      'SELECT DISTINCT computable FROM session_reports',
    );
    expect(computable.rows).toEqual([{ computable: true }]);

    expect(await storedEvents(db)).toEqual(before.events);
    expect(await storedSessions(db)).toEqual(before.sessions);
    expect((await db.query(REPORTS)).rows).toEqual(before.reports);
    const added = await db.query(
      `SELECT encode(id, 'hex') AS sid, completed, retries FROM sessions ORDER BY id`,
    );
    expect(added.rows).toEqual([
      { sid: OPEN_COMPLETED, completed: true, retries: 0 },
      { sid: CLOSED, completed: false, retries: 0 },
      { sid: OPEN, completed: false, retries: 0 },
    ]);

    // The service on the upgraded database: a retry of a stored (pre-upgrade) event is stored
    // once; another event of the same type and ts is a second event.
    const token = 'upgrade-reports-token-0123456789';
    const app = await startTestApp({ DATABASE_URL: url, REPORTS_API_TOKEN: token });
    try {
      // A report stored before wire formats were recorded is served with the session's.
      const served = await request(app.baseUrl, 'GET', `/api/v1/reports/sessions/${CLOSED}`, {
        authorization: `Bearer ${token}`,
      });
      expect(served.status, served.text).toBe(200);
      expect(served.json()).toMatchObject({ wireFormat: 'mca', configId: null });
      const events = `/api/v1/sessions/${OPEN}/events`;
      const play = {
        eventType: 'play',
        playerTime: { playhead: 0, ts: 1000 },
        qoeData: { 'media.qoe.bitrate': 500000 },
      };
      expect((await post(app.baseUrl, events, play)).status).toBe(204);
      const pause = { eventType: 'pauseStart', playerTime: { playhead: 11, ts: 12000 } };
      expect((await post(app.baseUrl, events, { ...pause, params: {} })).status).toBe(204);
      const other = { ...play, qoeData: { 'media.qoe.bitrate': 800000 } };
      expect((await post(app.baseUrl, events, other)).status).toBe(204);
      const stored = await db.query(
        `SELECT seq, event_type, qoe_data FROM session_events WHERE session_id = decode($1, 'hex') ORDER BY seq`,
        [OPEN],
      );
      expect(stored.rows.map((r: { event_type: string }) => r.event_type)).toEqual([
        'sessionStart',
        'play',
        'ping',
        'pauseStart',
        'play',
      ]);
      expect(stored.rows[4]).toMatchObject({ seq: 5, qoe_data: { 'media.qoe.bitrate': 800000 } });
    } finally {
      await app.close();
    }

    // Down, six times: the wire formats go; the sessionStart's params go back on the session row; the key leaves the
    // reports, the events become wide rows again, with their sessionStart's params;
    // the byte counts go, and a report set aside as not computable becomes an
    // unreported session again (the earlier release has no such report); then the old schema
    // holds one event per (session, type, ts), and the first arrival stays.
    await db.query(
      `UPDATE session_reports SET computable = false WHERE session_id = decode($1, 'hex')`,
      [CLOSED],
    );
    const upgraded = await storedEvents(db);
    await current.undoLastMigration();
    const wireColumns = await db.query(
      `SELECT table_name FROM information_schema.columns WHERE column_name IN ('wire_format', 'config_id')`,
    );
    expect(wireColumns.rows).toEqual([]);
    expect(await storedEvents(db)).toEqual(upgraded);
    await current.undoLastMigration();
    const paramsOf = (sessions: Array<Record<string, unknown>>) => sessions.map((s) => s.params);
    expect(paramsOf(await storedSessions(db))).toEqual(paramsOf(before.sessions));
    await current.undoLastMigration();
    await current.undoLastMigration();
    const wide = await db.query<{ params: unknown }>(
      `SELECT params FROM events WHERE session_id = decode($1, 'hex') AND seq = 1`,
      [OPEN],
    );
    expect(wide.rows).toEqual([{ params: START_PARAMS }]);
    await current.undoLastMigration();
    const setAside = await db.query<{ reported: boolean; reports: number }>(
      `SELECT s.reported_at IS NOT NULL AS reported,
              (SELECT count(*)::int FROM session_reports r WHERE r.session_id = s.id) AS reports
         FROM sessions s WHERE s.id = decode($1, 'hex')`,
      [CLOSED],
    );
    expect(setAside.rows).toEqual([{ reported: false, reports: 0 }]);
    const columns = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE column_name IN ('stored_bytes', 'report_attempts', 'computable')`,
    );
    expect(columns.rows).toEqual([]);
    await current.undoLastMigration();
    const downEvents = await storedEvents(db);
    expect(downEvents).toEqual(before.events);
    const counts = await db.query<{ event_count: number }>(
      `SELECT event_count FROM sessions WHERE id = decode($1, 'hex')`,
      [OPEN],
    );
    expect(counts.rows[0]?.event_count).toBe(4);
    const oldIndex = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'events_session_ts_type'`,
    );
    expect(oldIndex.rows[0]?.indexdef).toMatch(/UNIQUE INDEX .*\(session_id, ts, event_type\)/);

    // And up again.
    expect((await current.runMigrations()).map((m) => m.name)).toEqual([
      'RealClients1764230000000',
      'BoundedSessions1764240000000',
      'CompactEvents1764250000000',
      'SessionKeys1764260000000',
      'SessionParams1764270000000',
      'WireFormats1764280000000',
    ]);
    // Sessions from before wire formats came in through the Media Collection API.
    const formats = await db.query(`SELECT DISTINCT wire_format, config_id FROM session_params`);
    expect(formats.rows).toEqual([{ wire_format: 'mca', config_id: null }]);
    expect(await storedEvents(db)).toEqual(before.events);
    await current.destroy();
  });
});
