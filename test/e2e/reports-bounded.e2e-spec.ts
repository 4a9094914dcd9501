import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS_APPLICATION_NAME } from '../../src/database/reports-pool.js';
import { type MetricEvent } from '../../src/media/metrics/metric-event.js';
import { type SessionReport, buildSessionReport } from '../../src/media/metrics/session-report.js';
import { EVENTS_PAGE } from '../../src/reports/reports.service.js';
import { SessionReporter } from '../../src/reports/session-reporter.js';
import {
  SummaryAccumulator,
  type SummaryRow,
  groupKeyOf,
  type GroupBy,
} from '../../src/reports/summary.js';
import { expectErrorEnvelope } from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, request, sessionIdFrom } from '../support/http.js';
import { sleep } from '../support/lifecycle.js';
import { Scrape } from '../support/prometheus-text.js';
import {
  FIXTURE_01,
  FIXTURE_03,
  FIXTURE_04,
  FIXTURE_09,
  type EventBody,
  type ReplayOrder,
  expectAllAccepted,
  readFixture,
  readRecording,
  replay,
} from '../support/replay.js';
import { type TestApp, startTestApp, truncateAll, useTestApp } from '../support/test-app.js';
import { byKey, PARAMS_OF_SEEDED_SESSIONS } from '../support/stored-rows.js';

const TOKEN = 'e2e-bounded-reports-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const reportPath = (sid: string) => `/api/v1/reports/sessions/${sid}`;
const SUMMARY = '/api/v1/reports/summary';

/** The worker never runs on its own here: the tests run it, one run at a time. */
const BY_HAND = {
  REPORTS_API_TOKEN: TOKEN,
  REPORTS_INTERVAL_MS: '3600000',
  RATE_LIMIT_PER_SECOND: '0',
  SESSION_STARTS_PER_SECOND: '0',
  REPORT_MAX_ATTEMPTS: '3',
};

const get = (sut: TestApp, path: string) => request(sut.baseUrl, 'GET', path, AUTH);

async function startSession(sut: TestApp, ts = 1_700_000_000_000): Promise<string> {
  const res = await post(sut.baseUrl, '/api/v1/sessions', aSessionStart({ playerTime: { ts } }));
  expect(res.status, res.text).toBe(201);
  return sessionIdFrom(res);
}

async function send(sut: TestApp, sid: string, ...bodies: Array<Record<string, unknown>>) {
  for (const body of bodies) {
    const res = await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, body);
    expect(res.status, `${String(body.eventType)}: ${res.text}`).toBe(204);
  }
}

/** A short whole session: start, play, a ping 10 s later, sessionEnd. */
async function endedSession(sut: TestApp): Promise<string> {
  const t = 1_700_000_000_000;
  const sid = await startSession(sut, t);
  await send(
    sut,
    sid,
    anEvent('play', { playerTime: { ts: t + 1000, playhead: 0 } }),
    anEvent('ping', { playerTime: { ts: t + 11_000, playhead: 10 } }),
    anEvent('sessionEnd', { playerTime: { ts: t + 12_000, playhead: 11 } }),
  );
  return sid;
}

interface ReportRow {
  computable: boolean;
  content_time_spent: number;
  media_time_spent: number;
  content_started: boolean;
  error_count: number;
  report: Record<string, unknown>;
}

async function storedReport(db: pg.Pool, sid: string): Promise<ReportRow | undefined> {
  const { rows } = await db.query<ReportRow>(
    `SELECT computable, content_time_spent, media_time_spent, content_started, error_count, report
       FROM session_reports WHERE session_id = decode($1, 'hex')`,
    [sid],
  );
  return rows[0];
}

async function attemptsOf(db: pg.Pool, sid: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT report_attempts AS n FROM sessions WHERE id = decode($1, 'hex')`,
    [sid],
  );
  return rows[0].n;
}

async function summaryRows(sut: TestApp, groupBy?: GroupBy): Promise<SummaryRow[]> {
  const res = await get(sut, `${SUMMARY}${groupBy ? `?groupBy=${groupBy}` : ''}`);
  expect(res.status, res.text).toBe(200);
  return res.json<SummaryRow[]>();
}

describe('C5 C9: a report that keeps failing is set aside (REPORT_MAX_ATTEMPTS 3, worker runs by hand)', () => {
  const sut = useTestApp(BY_HAND);
  const reporter = () => sut.app.get(SessionReporter);

  it('C5 C9: retried on the next runs, then stored as {sessionId, computable: false, reason}, served 200, left out of the summary, logged and counted; the others of its batch are reported at once', async () => {
    const good1 = await endedSession(sut);
    const bad = await endedSession(sut);
    const good2 = await endedSession(sut);
    // A stored time the report cannot be written with: the engine fails on this session alone.
    await sut.db.query(
      `UPDATE sessions SET last_event_at = 'infinity' WHERE id = decode($1, 'hex')`,
      [bad],
    );
    const before = await Scrape.of(sut.baseUrl);

    // Run 1: the two good sessions of the batch are stored; the bad one has used one attempt.
    expect(await reporter().reportClosedSessions()).toBe(2);
    expect((await storedReport(sut.db, good1))?.computable).toBe(true);
    expect((await storedReport(sut.db, good2))?.report).toMatchObject({
      sessionId: good2,
      contentTimeSpent: 11,
    });
    expect(await storedReport(sut.db, bad)).toBeUndefined();
    expect(await attemptsOf(sut.db, bad)).toBe(1);
    // Meanwhile the summary computes it on the fly, fails, and leaves it out.
    expect(await summaryRows(sut)).toMatchObject([
      { key: 'all', mediaStarts: 2, contentTimeSpent: 22 },
    ]);

    // Runs 2 and 3: one retry each (never twice in one run); the third failure sets it aside.
    expect(await reporter().reportClosedSessions()).toBe(0);
    expect(await attemptsOf(sut.db, bad)).toBe(2);
    expect(await storedReport(sut.db, bad)).toBeUndefined();
    expect(await reporter().reportClosedSessions()).toBe(0);
    expect(await attemptsOf(sut.db, bad)).toBe(3);

    const row = await storedReport(sut.db, bad);
    expect(row).toMatchObject({
      computable: false,
      content_time_spent: 0,
      media_time_spent: 0,
      content_started: false,
      error_count: 0,
    });
    expect(Object.keys(row!.report).sort()).toEqual(['computable', 'reason', 'sessionId']);
    const res = await get(sut, reportPath(bad));
    expect(res.status).toBe(200);
    const answer = res.json<{ sessionId: string; computable: boolean; reason: string }>();
    expect(answer).toEqual({ sessionId: bad, computable: false, reason: row!.report.reason });
    expect(answer.reason).toMatch(/^Computing it failed in 3 attempts; the last failure: \w+/);

    // Stored reports only, now: the set-aside one is not among them.
    expect(await summaryRows(sut)).toMatchObject([
      { key: 'all', mediaStarts: 2, contentTimeSpent: 22 },
    ]);
    // Reported (set aside) is final: no fourth attempt.
    expect(await reporter().reportClosedSessions()).toBe(0);
    expect(await attemptsOf(sut.db, bad)).toBe(3);

    const warnings = sut.logger.text('warn');
    expect(warnings).toContain(`the report of session ${bad} failed (attempt 1 of 3)`);
    expect(warnings).toContain(`the report of session ${bad} is set aside: Computing it failed`);
    expect(warnings).not.toContain(good1);
    const after = await Scrape.of(sut.baseUrl);
    expect(after.growth(before, 'mca_reports_set_aside_total')).toBe(1);
    expect(after.growth(before, 'mca_report_failures_total', { source: 'worker' })).toBe(3);
    expect(after.growth(before, 'mca_report_failures_total', { source: 'request' })).toBe(1);
  });

  it('C5: a session whose attempts all ended without an outcome (the service stopped during each) is set aside at its next claim, so it cannot stop the service again; a fresh session is reported beside it', async () => {
    const interrupted = await endedSession(sut);
    const fresh = await endedSession(sut);
    // What three attempts that each brought the service down leave behind: the attempts counted
    // (committed before each attempt), and no report.
    await sut.db.query(`UPDATE sessions SET report_attempts = 3 WHERE id = decode($1, 'hex')`, [
      interrupted,
    ]);

    expect(await reporter().reportClosedSessions()).toBe(1);
    expect((await storedReport(sut.db, fresh))?.computable).toBe(true);
    const row = await storedReport(sut.db, interrupted);
    expect(row?.computable).toBe(false);
    expect(row?.report).toEqual({
      sessionId: interrupted,
      computable: false,
      reason:
        'Its report was attempted 3 times and no attempt finished (the service stopped during each).',
    });
    expect((await get(sut, reportPath(interrupted))).json()).toEqual(row?.report);
  });
});

/** A session's report as the engine gives it from all its events at once, params and qoe whole. */
async function wholeArrayReport(db: pg.Pool, sid: string): Promise<SessionReport> {
  const { rows: sessions } = await db.query<{
    close_reason: string | null;
    created_at: Date;
    last_event_at: Date;
    downloaded: boolean;
    params: Record<string, unknown>;
    retries: number;
  }>(
    `SELECT s.close_reason, s.created_at, s.last_event_at, s.downloaded, p.params, s.retries
       FROM sessions s JOIN session_params p ON p.session_key = s.key WHERE s.id = decode($1, 'hex')`,
    [sid],
  );
  const { rows: events } = await db.query<{
    event_type: string;
    ts: string;
    playhead: number;
    seq: number;
    params: Record<string, unknown> | null;
    qoe_data: Record<string, unknown> | null;
  }>(
    `SELECT event_type, ts, playhead, seq, params, qoe_data FROM session_events
      WHERE session_id = decode($1, 'hex') ORDER BY seq`,
    [sid],
  );
  const [s] = sessions;
  return buildSessionReport(
    {
      sessionId: sid,
      closeReason: s.close_reason,
      startedAt: s.created_at,
      lastEventAt: s.last_event_at,
      downloaded: s.downloaded,
      params: s.params,
      retries: s.retries,
      wireFormat: 'mca',
      configId: null,
    },
    events.map((e): MetricEvent => ({
      eventType: e.event_type,
      ts: Number(e.ts),
      playhead: e.playhead,
      seq: e.seq,
      params: e.params,
      qoeData: e.qoe_data,
    })),
    { maxIntervalSeconds: 600 },
  );
}

const T0 = 1_700_000_000_000;

/**
 * One offline session of `count` events that spans several pages of the report's reads: every ts
 * holds a tie of two or three events sent out of precedence order, so ties fall across page
 * boundaries; ad breaks, chapters, states, errors with and without ids, bitrates under both QoE names, pauses, buffers, stalls and seeks.
 */
function longOfflineSession(count: number): Array<Record<string, unknown>> {
  const body: Array<Record<string, unknown>> = [
    aSessionStart({
      playerTime: { ts: T0, playhead: 0 },
      params: { 'media.length': 1800, 'media.qoe.timeToStart': 1250 },
    }),
  ];
  const at = (eventType: string, step: number, playhead: number, extra = {}) =>
    anEvent(eventType, { playerTime: { ts: T0 + step * 2000, playhead }, ...extra });
  let playhead = 0;
  for (let step = 1; body.length < count - 1; step += 1) {
    const phase = step % 40;
    if (phase === 5)
      playhead += 300; // a seek
    else if (phase < 30 && phase % 7 !== 3) playhead += 2; // playing; phase 3, 10, 17, 24 stall
    const tie: Array<Record<string, unknown>> = [];
    if (phase === 0) {
      // Sent in reverse of precedence: play, adStart, adBreakStart.
      tie.push(
        at('play', step, playhead),
        at('adStart', step, playhead),
        at('adBreakStart', step, playhead),
      );
    } else if (phase === 2) {
      tie.push(
        at('play', step, playhead),
        at('adBreakComplete', step, playhead),
        at('adComplete', step, playhead),
      );
    } else if (phase === 8) {
      tie.push(at('ping', step, playhead), at('chapterStart', step, playhead));
    } else if (phase === 12) {
      tie.push(
        at('bitrateChange', step, playhead, {
          body: { qoeData: { bitrate: 1_000_000 + step, 'media.qoe.droppedFrames': step } },
        }),
        at('statesUpdate', step, playhead, {
          params: {
            statesStart: [{ 'media.state.name': 'fullScreen' }, { 'media.state.name': 'mute' }],
            statesEnd: [{ 'media.state.name': `custom${step % 13}` }],
          },
        }),
      );
    } else if (phase === 15) {
      tie.push(
        at('ping', step, playhead, {
          body: { qoeData: { 'media.qoe.bitrate': 2_500_000, 'media.qoe.timeToStart': 900 } },
        }),
        at('stateStart', step, playhead, { params: { 'media.state.name': `custom${step % 13}` } }),
      );
    } else if (phase === 20) {
      tie.push(
        at('error', step, playhead, {
          params: {
            'media.errorId': `E${Math.floor(step / 40) % 5}`,
            'media.errorSource': 'external',
          },
        }),
        at('error', step, playhead, { body: { params: {} } }),
        at('pauseStart', step, playhead),
      );
    } else if (phase === 22) {
      tie.push(at('chapterComplete', step, playhead), at('play', step, playhead));
    } else if (phase === 26) {
      tie.push(at('ping', step, playhead), at('bufferStart', step, playhead));
    } else if (phase === 28) {
      tie.push(at('stateEnd', step, playhead, { params: { 'media.state.name': 'fullscreen' } }));
      tie.push(at('play', step, playhead));
    } else {
      tie.push(at('ping', step, playhead), at('bitrateChange', step, playhead));
    }
    body.push(...tie);
  }
  const last = body.length;
  body.push(anEvent('sessionEnd', { playerTime: { ts: T0 + last * 2000, playhead } }));
  return body;
}

const REPLAYS: ReadonlyArray<{ fixture: string; order: ReplayOrder }> = [
  { fixture: FIXTURE_01, order: 'recorded' },
  { fixture: FIXTURE_01, order: 'ties-reversed' },
  { fixture: FIXTURE_03, order: 'ties-concurrent' },
  { fixture: FIXTURE_04, order: 'recorded' },
];

describe('C5: a report read page by page equals the report of all its events at once', () => {
  const sut = useTestApp(BY_HAND);

  it('C5: the real-client recordings (01, 03, 04 in several orders, 09 offline) and a 2,600-event session over ten pages: on demand, in the summary and as the worker stores them', async () => {
    const sids: string[] = [];
    for (const { fixture, order } of REPLAYS) {
      const run = await replay(sut.baseUrl, readRecording(fixture), order);
      expectAllAccepted(run);
      sids.push(run.sid);
    }
    const offline = await post(
      sut.baseUrl,
      '/api/v1/sessions',
      readFixture<EventBody[]>(FIXTURE_09),
    );
    expect(offline.status, offline.text).toBe(201);
    sids.push(sessionIdFrom(offline));
    const long = await post(sut.baseUrl, '/api/v1/downloaded', longOfflineSession(2_600));
    expect(long.status, long.text).toBe(201);
    const longSid = sessionIdFrom(long);
    sids.push(longSid);
    const { rows } = await sut.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM session_events WHERE session_id = decode($1, 'hex')`,
      [longSid],
    );
    expect(rows[0].n, 'events of the long session').toBeGreaterThan(10 * EVENTS_PAGE);

    // Nothing stored yet: every report is computed on demand, page by page.
    const expected = new Map<string, SessionReport>();
    for (const sid of sids) {
      const whole = await wholeArrayReport(sut.db, sid);
      expected.set(sid, whole);
      const res = await get(sut, reportPath(sid));
      expect(res.status).toBe(200);
      expect(res.json(), `on-demand report of ${sid}`).toEqual(whole);
    }
    const long1 = expected.get(longSid)!;
    console.log(
      `C5: the long session's report: ${JSON.stringify({ ads: long1.ads, stall: long1.stall, states: Object.keys(long1.states).length, errors: long1.errors, bitrate: long1.bitrate })}`,
    );
    // The long session exercises what a page boundary could break.
    expect(long1.ads.starts).toBeGreaterThan(20);
    expect(long1.stall.count).toBeGreaterThan(20);
    expect(Object.keys(long1.states).length).toBeGreaterThan(5);
    expect(long1.errors.externalIds).toHaveLength(5);
    expect(long1.errors.playerIds).toEqual([]);
    expect(long1.bitrate.average).not.toBeNull();
    expect(long1.timeToStart).toBe(1.25);

    // The summary computes the same sessions on the fly, the same way; it adds them up in key
    // order, and so does this, so that the floating-point sums agree to the last bit.
    for (const groupBy of [undefined, 'media.id'] as const) {
      const totals = new SummaryAccumulator();
      for (const sid of [...sids].sort(byKey)) {
        const report = expected.get(sid)!;
        const { rows: params } = await sut.db.query<{ params: Record<string, unknown> }>(
          `SELECT params FROM session_params WHERE session_key = session_key(decode($1, 'hex'))`,
          [sid],
        );
        totals.addReport(groupKeyOf(report, params[0].params, groupBy), report);
      }
      expect(await summaryRows(sut, groupBy)).toEqual(totals.rows());
    }

    // The worker stores the closed ones through the same paged reads, all in one batch.
    const closed = sids.filter((sid) => expected.get(sid)!.open === false);
    expect(closed.length).toBeGreaterThanOrEqual(3);
    expect(await sut.app.get(SessionReporter).reportClosedSessions()).toBe(closed.length);
    for (const sid of closed) {
      expect((await storedReport(sut.db, sid))?.report, `stored report of ${sid}`).toEqual(
        expected.get(sid),
      );
    }
  });
});

/**
 * Enough open sessions and events that a summary computes for seconds: `sessions` sessions of
 * `events` events each, written straight into the tables as the service stores them.
 */
async function seedOpenSessions(db: pg.Pool, sessions: number, events: number): Promise<void> {
  await db.query(
    `INSERT INTO sessions (key, id, report_suite, media_id, content_type, media_length, last_playhead)
     SELECT session_key(id), id, 'rs', 'media-' || (g % 7), 'VOD', 3600, 0
       FROM generate_series(1, $1::int) g,
            LATERAL (SELECT decode(rpad(lpad(to_hex(g), 16, '0'), 64, '0'), 'hex') AS id) i`,
    [sessions],
  );
  await db.query(PARAMS_OF_SEEDED_SESSIONS);
  await db.query(
    `INSERT INTO events (session_key, day, seq, event_type, ts, playhead, qoe_data)
     SELECT ss.key, ss.day, i,
            event_type_code(CASE WHEN i = 1 THEN 'sessionStart' WHEN i % 50 = 2 THEN 'play' WHEN i % 97 = 0 THEN 'bitrateChange'
                 ELSE 'ping' END),
            1700000000000 + i * 1000, i, CASE WHEN i % 97 = 0 THEN '{"media.qoe.bitrate": 1000}'::jsonb END
       FROM generate_series(1, $1::int) s
         JOIN sessions ss ON ss.id = decode(rpad(lpad(to_hex(s), 16, '0'), 64, '0'), 'hex'),
              generate_series(1, $2::int) i`,
    [sessions, events],
  );
  await db.query('ANALYZE sessions, events');
}

interface Activity {
  pid: number;
  state: string;
  query: string;
}

/** The reports pool's backends that are doing something (running, or inside a transaction). */
async function busyReportBackends(db: pg.Pool): Promise<Activity[]> {
  const { rows } = await db.query<Activity>(
    `SELECT pid, state, left(query, 80) AS query FROM pg_stat_activity
      WHERE application_name = $1 AND state IS DISTINCT FROM 'idle'`,
    [REPORTS_APPLICATION_NAME],
  );
  return rows;
}

/** How long until no reporting backend is busy (polled every 20 ms), up to `limitMs`. */
async function msUntilQuiet(db: pg.Pool, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if ((await busyReportBackends(db)).length === 0) return performance.now() - started;
    await sleep(20);
  }
  return Number.POSITIVE_INFINITY;
}

async function timedGet(sut: TestApp, path: string): Promise<{ res: HttpResult; ms: number }> {
  const started = performance.now();
  const res = await get(sut, path);
  return { res, ms: performance.now() - started };
}

describe('C6 C9: a long summary stops when its client leaves, and answers 503 past its deadline', () => {
  const SESSIONS = 250;
  const EVENTS = 3_000;
  let patient: TestApp;
  let hurried: TestApp;
  let fullMs = 0;

  beforeAll(async () => {
    patient = await startTestApp({ ...BY_HAND, REPORTS_QUERY_TIMEOUT_MS: '120000' });
    hurried = await startTestApp({
      ...BY_HAND,
      REPORTS_QUERY_TIMEOUT_MS: '300',
      REPORTS_POOL_SIZE: '1',
    });
    await truncateAll(patient.db);
    await seedOpenSessions(patient.db, SESSIONS, EVENTS);
  });
  afterAll(async () => {
    await truncateAll(patient.db);
    await hurried?.close();
    await patient?.close();
  });

  it('C9: the whole summary of 250 open sessions × 3,000 events (the reference: how long it runs)', async () => {
    const { res, ms } = await timedGet(patient, SUMMARY);
    fullMs = ms;
    console.log(
      `C9: a summary computing ${SESSIONS * EVENTS} events on the fly: ${Math.round(ms)} ms`,
    );
    expect(res.status).toBe(200);
    expect(res.json<SummaryRow[]>()).toMatchObject([{ key: 'all', mediaStarts: SESSIONS }]);
    expect(await busyReportBackends(patient.db)).toEqual([]);
  });

  it('C9: a summary abandoned after 300 ms leaves no reporting query running 0.5 s later (the whole one runs for seconds)', async () => {
    // Without the abort it would still run well after the 300 + 500 ms this test waits.
    expect(fullMs, 'the reference summary must run long enough to tell').toBeGreaterThan(1_200);
    const client = new AbortController();
    const answer = fetch(`${patient.baseUrl}${SUMMARY}`, {
      headers: AUTH,
      signal: client.signal,
    }).catch((error: unknown) => error);
    await sleep(300);
    expect((await busyReportBackends(patient.db)).length, 'the summary runs').toBe(1);
    client.abort();
    expect(await answer).toBeInstanceOf(Error);
    const quietMs = await msUntilQuiet(patient.db, 5_000);
    console.log(
      `C9: abandoned summary: no reporting query ${Math.round(quietMs)} ms after the client left (whole summary ${Math.round(fullMs)} ms)`,
    );
    expect(quietMs).toBeLessThan(500);
    // A client that leaves is no fault of the service: nothing is logged as an error.
    // (Nest's static logger writes to the app started last, so both are read.)
    expect(patient.logger.text('error') + hurried.logger.text('error')).toBe('[][]');
    // And the service serves the next report as usual.
    expect((await get(patient, '/api/v1/reports/live')).status).toBe(200);
  });

  it('C6: past REPORTS_QUERY_TIMEOUT_MS (300 ms) the summary is 503 with Retry-After in the envelope, and its query stops', async () => {
    const { res, ms } = await timedGet(hurried, SUMMARY);
    console.log(`C6: summary past a 300 ms deadline: ${res.status} after ${Math.round(ms)} ms`);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expectErrorEnvelope(res, 503);
    expect(ms).toBeLessThan(1_500);
    expect(await msUntilQuiet(hurried.db, 5_000)).toBeLessThan(1_500);
  });

  it('C6: a reporting request that finds the reports pool (REPORTS_POOL_SIZE 1) taken by the report worker waits at most its deadline (300 ms), then 503', async () => {
    // The worker holds the one connection while it reports a batch of 100 of these sessions.
    await hurried.db.query(`UPDATE sessions SET closed_at = now(), close_reason = 'end'`);
    const worker = hurried.app.get(SessionReporter).reportClosedSessions();
    await sleep(100);
    expect((await busyReportBackends(hurried.db)).length, 'the worker runs').toBe(1);
    const { res, ms } = await timedGet(hurried, '/api/v1/reports/live');
    console.log(
      `C6: live view behind a busy reports pool: ${res.status} after ${Math.round(ms)} ms`,
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expectErrorEnvelope(res, 503);
    expect(ms).toBeGreaterThan(250);
    expect(ms).toBeLessThan(1_500);
    // The worker was not disturbed: every session is reported.
    expect(await worker).toBe(SESSIONS);
    expect((await get(hurried, '/api/v1/reports/live')).status).toBe(200);
  });
});

describe('C5: a database that is slow or locked never sets a good report aside', () => {
  const sut = useTestApp({ ...BY_HAND, REPORTS_QUERY_TIMEOUT_MS: '300' });
  const reporter = () => sut.app.get(SessionReporter);

  it('C5: five runs while `events` is locked (each attempt stopped by the statement timeout) give their attempts back; once the lock is gone the report is computed', async () => {
    const sid = await endedSession(sut);
    const holder = await sut.db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      for (let run = 0; run < 5; run += 1) {
        expect(await reporter().reportClosedSessions()).toBe(0);
      }
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await attemptsOf(sut.db, sid)).toBe(0);
    expect(await storedReport(sut.db, sid)).toBeUndefined();
    expect(await reporter().reportClosedSessions()).toBe(1);
    expect(await storedReport(sut.db, sid)).toMatchObject({
      computable: true,
      content_time_spent: 11,
    });
  });
});
