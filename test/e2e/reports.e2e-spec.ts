import { Injectable, Module } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { beforeEach, describe, expect, it } from 'vitest';
import { type SessionReport } from '../../src/media/metrics/session-report.js';
import { SessionReporter } from '../../src/reports/session-reporter.js';
import { errorPaths, expectErrorEnvelope } from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, request, sessionIdFrom } from '../support/http.js';
import { sessionRow, sleep } from '../support/lifecycle.js';
import { type TestApp, useTestApp } from '../support/test-app.js';

/** Records every `session.reported` event, as an extension module of a deployment would. */
@Injectable()
class ReportedSessions {
  readonly received: SessionReport[] = [];

  @OnEvent('session.reported')
  onReported(report: SessionReport): void {
    this.received.push(report);
  }

  of(sid: string): SessionReport[] {
    return this.received.filter((report) => report.sessionId === sid);
  }
}

@Module({ providers: [ReportedSessions] })
class ReportedSessionsModule {}

const TOKEN = 'e2e-reports-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const REPORTS = '/api/v1/reports';
const SUMMARY = `${REPORTS}/summary`;
const LIVE = `${REPORTS}/live`;
const reportPath = (sid: string) => `${REPORTS}/sessions/${sid}`;

/** The player clock at the session's second 0; `sec(12)` is 12 s later. */
const T0 = 1_700_000_000_000;
const sec = (s: number) => T0 + s * 1000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An event `second` seconds after T0 at `playhead`; params merge over the factory's valid ones. */
function ev(
  eventType: string,
  second: number,
  playhead: number,
  extra: { params?: Record<string, unknown>; qoeData?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return anEvent(eventType, {
    playerTime: { ts: sec(second), playhead },
    ...(extra.params ? { params: extra.params } : {}),
    body: extra.qoeData ? { qoeData: extra.qoeData } : {},
  });
}

/** The (arrival-time) wait for a condition; the last value is returned. */
async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(10);
    value = await probe();
  }
  return value;
}

interface ReportRow {
  report: SessionReport;
  computed_at: Date;
  reported_at: Date | null;
}

/** The stored report of a session with its session's `reported_at`, or undefined. */
async function storedReport(sut: TestApp, sid: string): Promise<ReportRow | undefined> {
  const { rows } = await sut.db.query<ReportRow>(
    `SELECT r.report, r.computed_at, s.reported_at
       FROM session_reports r JOIN sessions s ON s.id = r.session_id
      WHERE r.session_id = decode($1, 'hex')`,
    [sid],
  );
  return rows[0];
}

async function reportCount(sut: TestApp): Promise<number> {
  const { rows } = await sut.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM session_reports',
  );
  return rows[0].n;
}

/** Waits until the worker has stored the session's report; fails if it does not in 5 s. */
async function awaitStored(sut: TestApp, sid: string): Promise<ReportRow> {
  const row = await waitFor(
    () => storedReport(sut, sid),
    (r) => r !== undefined,
  );
  expect(row, `report of ${sid} stored within 5 s`).toBeDefined();
  return row!;
}

/** A session started from the seed body with the given params overrides; its sid. */
async function start(
  sut: TestApp,
  params: Record<string, unknown> = {},
  qoeData?: Record<string, unknown>,
): Promise<string> {
  const body = aSessionStart({ playerTime: { ts: sec(0), playhead: 0 }, params });
  if (qoeData) body.qoeData = qoeData;
  const res = await post(sut.baseUrl, '/api/v1/sessions', body);
  expect(res.status).toBe(201);
  return sessionIdFrom(res);
}

async function send(sut: TestApp, sid: string, ...bodies: Array<Record<string, unknown>>) {
  for (const body of bodies) {
    const res = await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, body);
    expect(res.status, `${String(body.eventType)} answered`).toBe(204);
  }
}

function get(sut: TestApp, path: string, headers: Record<string, string> = AUTH) {
  return request(sut.baseUrl, 'GET', path, headers);
}

async function reportOf(sut: TestApp, sid: string): Promise<SessionReport> {
  const res = await get(sut, reportPath(sid));
  expect(res.status).toBe(200);
  return res.json<SessionReport>();
}

async function summary(
  sut: TestApp,
  query: Record<string, string>,
  headers: Record<string, string> = AUTH,
): Promise<HttpResult> {
  return get(sut, `${SUMMARY}?${new URLSearchParams(query).toString()}`, headers);
}

const byKey = <T extends { key: string }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

const MAIN_ENV = {
  REPORTS_API_TOKEN: TOKEN,
  REPORTS_INTERVAL_MS: '200',
  RATE_LIMIT_PER_SECOND: '0',
  // The summary test moves sessions' start into March 2024; they must stay open meanwhile.
  SESSION_MAX_DURATION_SECONDS: String(10 * 365 * 86_400),
};

describe('C9: reporting API (reports every 200 ms, default idle limit)', () => {
  const sut = useTestApp(MAIN_ENV, [ReportedSessionsModule]);
  const listener = () => sut.app.get(ReportedSessions);
  beforeEach(() => {
    listener().received.length = 0;
  });

  it('C9: GET /reports/sessions/{sid} of a whole session posted through the API gives every C5 field, worked out by hand', async () => {
    const before = Date.now();
    const sid = await start(sut, { 'media.length': 100 });
    const afterStart = Date.now();
    // Seconds after T0 @ playhead, and what the interval up to the next event counts as.
    await send(
      sut,
      sid,
      // @2 play, bitrate 1000, timeToStart 1500 ms. 0..2 was `starting`: counts nothing.
      ev('play', 2, 0, { qoeData: { 'media.qoe.bitrate': 1000, 'media.qoe.timeToStart': 1500 } }),
      // 2..4 playing content: content 2, bitrate 1000 for 2 s.
      ev('chapterStart', 4, 2, {
        params: { 'media.chapter.index': 0, 'media.chapter.offset': 2, 'media.chapter.length': 40 },
      }),
      // 4..14 content 10 (chapter 10, bitrate 1000).
      { playerTime: { playhead: 12, ts: sec(14) }, eventType: 'ping' },
      // 14..16 content 2 (chapter 2, bitrate 1000); the new bitrate holds from @16.
      ev('bitrateChange', 16, 14, { qoeData: { 'media.qoe.bitrate': 2000 } }),
      // 16..20 content 4 (chapter 4, bitrate 2000).
      ev('pauseStart', 20, 18),
      // 20..25 paused 5; a ping inside a pause is no second pause.
      { playerTime: { playhead: 18, ts: sec(25) }, eventType: 'ping' },
      // 25..30 paused 5 → pause {count 1, duration 10}.
      ev('play', 30, 18),
      // 30..36 content 6 (chapter 6, bitrate 2000).
      ev('bufferStart', 36, 24),
      // 36..39 buffering 3 → buffer {count 1, duration 3}.
      ev('play', 39, 24),
      // 39..44 content 5 (chapter 5, bitrate 2000) → chapter time 10+2+4+6+5 = 27.
      ev('chapterComplete', 44, 29),
      // 44..46 content 2 (bitrate 2000).
      ev('adBreakStart', 46, 31, { params: { 'media.ad.podIndex': 1, 'media.ad.podSecond': 31 } }),
      // 46..47 in the break, no ad: neither content nor ad time.
      ev('adStart', 47, 31),
      // 47..62 in the ad: ad time 15 (bitrate 2000).
      ev('adComplete', 62, 31),
      // 62..63 in the break after the ad: neither.
      ev('adBreakComplete', 63, 31),
      // 63..70 content 7 (bitrate 2000).
      ev('error', 70, 37, { params: { 'media.errorId': 'E42', 'media.errorSource': 'player' } }),
      // 70..80 content 10 (bitrate 2000); this ping reports 3 dropped frames.
      {
        playerTime: { playhead: 47, ts: sec(80) },
        eventType: 'ping',
        qoeData: { 'media.qoe.droppedFrames': 3 },
      },
      // 80..84 content 4.
      ev('sessionComplete', 84, 51),
    );
    const beforeEnd = Date.now();
    // 84..85 content 1. Content: 2+10+2+4+6+5+2+7+10+4+1 = 53; ad 15; media 68.
    await send(sut, sid, ev('sessionEnd', 85, 51));
    const afterEnd = Date.now();

    const report = await reportOf(sut, sid);
    const row = await sessionRow(sut.db, sid);
    expect(report).toEqual({
      sessionId: sid,
      wireFormat: 'mca',
      configId: null,
      open: false,
      closeReason: 'end',
      startedAt: row.created_at.toISOString(),
      lastEventAt: row.last_event_at.toISOString(),
      downloaded: false,
      // Every media.* param of the sessionStart, and nothing else.
      media: {
        'media.playerName': 'sample-html5-api-player',
        'media.contentType': 'VOD',
        'media.length': 100,
        'media.id': 'MA API Sample Player',
        'media.name': 'ClickMe',
        'media.channel': 'sample-channel',
        'media.sdkVersion': 'va-api-0.0.0',
      },
      contentStarted: true,
      contentCompleted: true,
      dropBeforeStart: false,
      contentTimeSpent: 53,
      adTimeSpent: 15,
      mediaTimeSpent: 68,
      // Playhead ranges while playing main content: 0→18, 18→31, 31→51, all forward within wall time.
      uniqueTimePlayed: 51,
      pause: { count: 1, duration: 10 },
      buffer: { count: 1, duration: 3 },
      // Only @84→@85 kept the playhead: one repeat, fewer than the three events a stall needs.
      stall: { count: 0, duration: 0 },
      retries: 0,
      clamped: 0,
      // Highest main-content playhead 51 of 100.
      progress: { p10: true, p25: true, p50: true, p75: false, p95: false },
      averageMinuteAudience: 0.53,
      estimatedStreams: 1,
      // 1000 for 14 s (2..16), 2000 for the other 54 s of playing (content 39 + ad 15).
      bitrate: { average: expect.closeTo((1000 * 14 + 2000 * 54) / 68, 9) as number, changes: 1 },
      timeToStart: 1.5,
      droppedFrames: 3,
      errors: { count: 1, playerIds: ['E42'], externalIds: [] },
      ads: { breaks: 1, starts: 1, completes: 1, timeSpent: 15 },
      chapters: { starts: 1, completes: 1, timeSpent: 27 },
      states: {},
    });
    // ISO-8601 in UTC, and the service's arrival times, not the player's 2023 clock.
    expect(report.startedAt).toMatch(ISO);
    expect(report.lastEventAt).toMatch(ISO);
    const started = Date.parse(report.startedAt);
    const last = Date.parse(report.lastEventAt);
    expect(started).toBeGreaterThanOrEqual(before - 1000);
    expect(started).toBeLessThanOrEqual(afterStart + 1000);
    expect(last).toBeGreaterThanOrEqual(beforeEnd - 1000);
    expect(last).toBeLessThanOrEqual(afterEnd + 1000);
    expect(last).toBeGreaterThan(started);
  });

  it('C9: a closed session’s report is computed once by the worker and stored; a second run stores nothing new', async () => {
    const sid = await start(sut, { 'media.length': 100 });
    await send(
      sut,
      sid,
      ev('play', 1, 0),
      // 1..11 content 10.
      { playerTime: { playhead: 10, ts: sec(11) }, eventType: 'ping' },
    );
    const end = await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, ev('sessionEnd', 12, 11));
    const endAnswered = Date.now();
    expect(end.status).toBe(204);

    const row = await awaitStored(sut, sid);
    const elapsed = Date.now() - endAnswered;
    console.log(`C9: sessionEnd 204 → stored report row: ${elapsed} ms (REPORTS_INTERVAL_MS=200)`);
    expect(elapsed).toBeLessThan(3000);
    expect(row.reported_at).toBeInstanceOf(Date);
    // content 10 + 1 (11..12) = 11.
    expect(row.report).toMatchObject({
      sessionId: sid,
      open: false,
      closeReason: 'end',
      contentTimeSpent: 11,
    });
    // The API serves exactly what is stored.
    expect(await reportOf(sut, sid)).toEqual(row.report);

    const reporter = sut.app.get(SessionReporter);
    await reporter.reportClosedSessions(); // lets a run already under way finish
    expect(await reporter.reportClosedSessions()).toBe(0);
    expect(await reportCount(sut)).toBe(1);
    const again = await storedReport(sut, sid);
    expect(again?.computed_at.getTime()).toBe(row.computed_at.getTime());
    expect(again?.reported_at?.getTime()).toBe(row.reported_at?.getTime());
    expect(listener().of(sid)).toHaveLength(1);

    // Once stored, the report is read back, never recomputed from the events.
    await sut.db.query(
      `UPDATE session_reports SET report = jsonb_set(report, '{contentTimeSpent}', '999')
        WHERE session_id = decode($1, 'hex')`,
      [sid],
    );
    expect((await reportOf(sut, sid)).contentTimeSpent).toBe(999);
  });

  it('C9: a downloaded session (POST /api/v1/downloaded) gets a stored report with downloaded true', async () => {
    const res = await post(sut.baseUrl, '/api/v1/downloaded', [
      aSessionStart({ playerTime: { ts: sec(0), playhead: 0 }, params: { 'media.length': 100 } }),
      ev('play', 1, 0),
      // 1..11 content 10.
      { playerTime: { playhead: 10, ts: sec(11) }, eventType: 'ping' },
      // 11..21 content 10.
      ev('sessionComplete', 21, 20),
      // 21..22 content 1 → 21.
      ev('sessionEnd', 22, 20),
    ]);
    expect(res.status).toBe(201);
    const sid = sessionIdFrom(res);

    const row = await awaitStored(sut, sid);
    expect(row.reported_at).toBeInstanceOf(Date);
    expect(row.report).toMatchObject({
      sessionId: sid,
      open: false,
      closeReason: 'downloaded',
      downloaded: true,
      contentStarted: true,
      contentCompleted: true,
      contentTimeSpent: 21,
      averageMinuteAudience: 0.21,
    });
    // C7: reported with media.downloaded set.
    expect(row.report.media['media.downloaded']).toBe(true);
    expect(await reportOf(sut, sid)).toEqual(row.report);
  });

  it('C9: an open session’s report is computed on demand and follows the events as they arrive', async () => {
    const sid = await start(sut, { 'media.length': 200 });

    const first = await reportOf(sut, sid);
    expect(first).toMatchObject({
      sessionId: sid,
      open: true,
      closeReason: null,
      downloaded: false,
      contentStarted: false,
      // Not dropped: the session is still open.
      dropBeforeStart: false,
      contentTimeSpent: 0,
      mediaTimeSpent: 0,
    });

    await send(
      sut,
      sid,
      ev('play', 2, 0),
      // 2..12 content 10.
      { playerTime: { playhead: 10, ts: sec(12) }, eventType: 'ping' },
    );
    const second = await reportOf(sut, sid);
    expect(second).toMatchObject({
      open: true,
      closeReason: null,
      contentStarted: true,
      dropBeforeStart: false,
      contentTimeSpent: 10,
      averageMinuteAudience: 0.05,
      progress: { p10: false },
    });
    expect(Date.parse(second.lastEventAt)).toBeGreaterThanOrEqual(Date.parse(first.lastEventAt));

    // 12..32 content 20 → 30; playhead 30 of 200 passes p10.
    await send(sut, sid, { playerTime: { playhead: 30, ts: sec(32) }, eventType: 'ping' });
    expect(await reportOf(sut, sid)).toMatchObject({
      open: true,
      contentTimeSpent: 30,
      averageMinuteAudience: 0.15,
      progress: { p10: true, p25: false },
    });
    // Computed on demand: nothing stored for an open session.
    await sleep(450);
    expect(await reportCount(sut)).toBe(0);
    expect(listener().of(sid)).toHaveLength(0);
  });

  it('C9: the session.reported event reaches a listener module loaded through createApp imports, once per closed session', async () => {
    const ended1 = await start(sut);
    await send(sut, ended1, ev('play', 1, 0), ev('sessionEnd', 5, 4));
    const ended2 = await start(sut);
    await send(sut, ended2, ev('sessionEnd', 3, 0));
    const open = await start(sut);
    await send(sut, open, ev('play', 1, 0));

    const r1 = await awaitStored(sut, ended1);
    const r2 = await awaitStored(sut, ended2);
    const reporter = sut.app.get(SessionReporter);
    await reporter.reportClosedSessions();
    await reporter.reportClosedSessions();
    await sleep(450); // two more timer runs

    expect(listener().of(ended1)).toEqual([r1.report]);
    expect(listener().of(ended2)).toEqual([r2.report]);
    expect(listener().of(ended2)[0]).toMatchObject({ dropBeforeStart: true, closeReason: 'end' });
    expect(listener().of(open)).toEqual([]);
    expect(
      listener()
        .received.map((r) => r.sessionId)
        .sort(),
    ).toEqual([ended1, ended2].sort());
  });

  describe('C9: GET /reports/summary', () => {
    /**
     * Five sessions, their start moved into March 2024 (UTC), so day and hour keys are fixed:
     *   A 03-10 22:15 movie-1 ch-a VOD  rs-1 len 100 closed: content 41, ad 10, buffer 2, bitrate 1000, ad 1/1, complete
     *   B 03-10 22:45 movie-1 ch-b live rs-2 len  50 closed before any play: drop
     *   C 03-10 23:05 movie-2 ch-a live rs-1 len 200 open:   content 20, bitrate 3000, one error
     *   D 03-11 00:30 movie-2 ch-b VOD  rs-2 len 200 closed: content 30, pause 10, buffer 4, no bitrate, one error
     *   E 03-11 01:00 movie-1 ch-a VOD  rs-2 len 100 open, not started
     */
    async function seedSessions(): Promise<Record<'A' | 'B' | 'C' | 'D' | 'E', string>> {
      const plan = {
        A: {
          createdAt: '2024-03-10T22:15:00Z',
          params: {
            'media.id': 'movie-1',
            'media.channel': 'ch-a',
            'media.contentType': 'VOD',
            'analytics.reportSuite': 'rs-1',
            'media.length': 100,
          },
          events: [
            ev('play', 1, 0, { qoeData: { 'media.qoe.bitrate': 1000 } }),
            ev('bufferStart', 21, 20), // 1..21 content 20
            ev('play', 23, 20), // 21..23 buffer 2
            ev('adBreakStart', 33, 30), // 23..33 content 10
            ev('adStart', 34, 30), // 33..34 neither
            ev('adComplete', 44, 30), // 34..44 ad 10
            ev('adBreakComplete', 45, 30), // 44..45 neither
            ev('sessionComplete', 55, 40), // 45..55 content 10
            ev('sessionEnd', 56, 41), // 55..56 content 1 → 41; media 51 at bitrate 1000
          ],
        },
        B: {
          createdAt: '2024-03-10T22:45:00Z',
          params: {
            'media.id': 'movie-1',
            'media.channel': 'ch-b',
            'media.contentType': 'live',
            'analytics.reportSuite': 'rs-2',
            'media.length': 50,
          },
          events: [ev('sessionEnd', 5, 0)], // never played: dropped before start
        },
        C: {
          createdAt: '2024-03-10T23:05:00Z',
          params: {
            'media.id': 'movie-2',
            'media.channel': 'ch-a',
            'media.contentType': 'live',
            'analytics.reportSuite': 'rs-1',
            'media.length': 200,
          },
          events: [
            ev('play', 2, 0, { qoeData: { 'media.qoe.bitrate': 3000 } }),
            ev('error', 12, 10), // 2..12 content 10
            { playerTime: { playhead: 20, ts: sec(22) }, eventType: 'ping' }, // 12..22 content 10 → 20
          ],
        },
        D: {
          createdAt: '2024-03-11T00:30:00Z',
          params: {
            'media.id': 'movie-2',
            'media.channel': 'ch-b',
            'media.contentType': 'VOD',
            'analytics.reportSuite': 'rs-2',
            'media.length': 200,
          },
          events: [
            ev('play', 1, 0),
            ev('pauseStart', 11, 10), // 1..11 content 10
            ev('play', 21, 10), // 11..21 paused 10
            ev('bufferStart', 26, 15), // 21..26 content 5
            ev('play', 30, 15), // 26..30 buffer 4
            ev('error', 40, 25, {
              params: { 'media.errorId': 'NET-1', 'media.errorSource': 'external' },
            }), // 30..40 content 10
            ev('sessionEnd', 45, 30), // 40..45 content 5 → 30
          ],
        },
        E: {
          createdAt: '2024-03-11T01:00:00Z',
          params: {
            'media.id': 'movie-1',
            'media.channel': 'ch-a',
            'media.contentType': 'VOD',
            'analytics.reportSuite': 'rs-2',
            'media.length': 100,
          },
          events: [],
        },
      };
      const sids = {} as Record<keyof typeof plan, string>;
      for (const [name, session] of Object.entries(plan) as Array<
        [keyof typeof plan, (typeof plan)['A']]
      >) {
        const sid = await start(sut, session.params);
        // Before any close, so the stored report copies the moved start.
        await sut.db.query(`UPDATE sessions SET created_at = $2 WHERE id = decode($1, 'hex')`, [
          sid,
          session.createdAt,
        ]);
        await send(sut, sid, ...session.events);
        sids[name] = sid;
      }
      // The closed ones are summed from stored reports, the open ones computed on the fly.
      await awaitStored(sut, sids.A);
      await awaitStored(sut, sids.B);
      await awaitStored(sut, sids.D);
      return sids;
    }

    const WINDOW = { from: '2024-03-10T00:00:00Z', to: '2024-03-12T00:00:00Z' };

    /** A row with floats compared to 9 places. */
    const row = (
      key: string,
      r: {
        starts: number;
        contentStarts: number;
        completes: number;
        content: number;
        media: number;
        ama: number;
        drop: number;
        buffer: number;
        bitrate: number | null;
        errors: number;
        adStarts: number;
        adCompletes: number;
      },
    ) => ({
      key,
      mediaStarts: r.starts,
      contentStarts: r.contentStarts,
      contentCompletes: r.completes,
      contentTimeSpent: expect.closeTo(r.content, 9) as number,
      mediaTimeSpent: expect.closeTo(r.media, 9) as number,
      averageMinuteAudience: expect.closeTo(r.ama, 9) as number,
      dropBeforeStartRate: expect.closeTo(r.drop, 9) as number,
      bufferRatio: expect.closeTo(r.buffer, 9) as number,
      averageBitrate: r.bitrate === null ? null : (expect.closeTo(r.bitrate, 9) as number),
      errorSessions: r.errors,
      adStarts: r.adStarts,
      adCompletes: r.adCompletes,
    });

    // Sums per group, by hand from the table above. AMA = Σ content / media.length:
    // A 41/100 = .41, C 20/200 = .1, D 30/200 = .15. Bitrate weighted by media time:
    // A 1000 × 51, C 3000 × 20 (D has none). bufferRatio = buffer / (buffer + media time).
    const EXPECTED: Record<string, ReturnType<typeof row>[]> = {
      all: [
        // A B C D E: content 41+20+30 = 91, media 51+20+30 = 101, buffer 2+4 = 6, drop B.
        row('all', {
          starts: 5,
          contentStarts: 3,
          completes: 1,
          content: 91,
          media: 101,
          ama: 0.66,
          drop: 1 / 5,
          buffer: 6 / 107,
          bitrate: (1000 * 51 + 3000 * 20) / 71,
          errors: 2,
          adStarts: 1,
          adCompletes: 1,
        }),
      ],
      day: [
        // A B C
        row('2024-03-10', {
          starts: 3,
          contentStarts: 2,
          completes: 1,
          content: 61,
          media: 71,
          ama: 0.51,
          drop: 1 / 3,
          buffer: 2 / 73,
          bitrate: (1000 * 51 + 3000 * 20) / 71,
          errors: 1,
          adStarts: 1,
          adCompletes: 1,
        }),
        // D E
        row('2024-03-11', {
          starts: 2,
          contentStarts: 1,
          completes: 0,
          content: 30,
          media: 30,
          ama: 0.15,
          drop: 0,
          buffer: 4 / 34,
          bitrate: null,
          errors: 1,
          adStarts: 0,
          adCompletes: 0,
        }),
      ],
      hour: [
        // A B
        row('2024-03-10T22:00:00Z', {
          starts: 2,
          contentStarts: 1,
          completes: 1,
          content: 41,
          media: 51,
          ama: 0.41,
          drop: 1 / 2,
          buffer: 2 / 53,
          bitrate: 1000,
          errors: 0,
          adStarts: 1,
          adCompletes: 1,
        }),
        // C
        row('2024-03-10T23:00:00Z', {
          starts: 1,
          contentStarts: 1,
          completes: 0,
          content: 20,
          media: 20,
          ama: 0.1,
          drop: 0,
          buffer: 0,
          bitrate: 3000,
          errors: 1,
          adStarts: 0,
          adCompletes: 0,
        }),
        // D
        row('2024-03-11T00:00:00Z', {
          starts: 1,
          contentStarts: 1,
          completes: 0,
          content: 30,
          media: 30,
          ama: 0.15,
          drop: 0,
          buffer: 4 / 34,
          bitrate: null,
          errors: 1,
          adStarts: 0,
          adCompletes: 0,
        }),
        // E: nothing played, nothing buffered: ratio 0, no bitrate.
        row('2024-03-11T01:00:00Z', {
          starts: 1,
          contentStarts: 0,
          completes: 0,
          content: 0,
          media: 0,
          ama: 0,
          drop: 0,
          buffer: 0,
          bitrate: null,
          errors: 0,
          adStarts: 0,
          adCompletes: 0,
        }),
      ],
      'media.id': [
        // A B E
        row('movie-1', {
          starts: 3,
          contentStarts: 1,
          completes: 1,
          content: 41,
          media: 51,
          ama: 0.41,
          drop: 1 / 3,
          buffer: 2 / 53,
          bitrate: 1000,
          errors: 0,
          adStarts: 1,
          adCompletes: 1,
        }),
        // C D
        row('movie-2', {
          starts: 2,
          contentStarts: 2,
          completes: 0,
          content: 50,
          media: 50,
          ama: 0.25,
          drop: 0,
          buffer: 4 / 54,
          bitrate: 3000,
          errors: 2,
          adStarts: 0,
          adCompletes: 0,
        }),
      ],
      'media.channel': [
        // A C E
        row('ch-a', {
          starts: 3,
          contentStarts: 2,
          completes: 1,
          content: 61,
          media: 71,
          ama: 0.51,
          drop: 0,
          buffer: 2 / 73,
          bitrate: (1000 * 51 + 3000 * 20) / 71,
          errors: 1,
          adStarts: 1,
          adCompletes: 1,
        }),
        // B D
        row('ch-b', {
          starts: 2,
          contentStarts: 1,
          completes: 0,
          content: 30,
          media: 30,
          ama: 0.15,
          drop: 1 / 2,
          buffer: 4 / 34,
          bitrate: null,
          errors: 1,
          adStarts: 0,
          adCompletes: 0,
        }),
      ],
      'media.contentType': [
        // A D E
        row('VOD', {
          starts: 3,
          contentStarts: 2,
          completes: 1,
          content: 71,
          media: 81,
          ama: 0.56,
          drop: 0,
          buffer: 6 / 87,
          bitrate: 1000,
          errors: 1,
          adStarts: 1,
          adCompletes: 1,
        }),
        // B C
        row('live', {
          starts: 2,
          contentStarts: 1,
          completes: 0,
          content: 20,
          media: 20,
          ama: 0.1,
          drop: 1 / 2,
          buffer: 0,
          bitrate: 3000,
          errors: 1,
          adStarts: 0,
          adCompletes: 0,
        }),
      ],
      'analytics.reportSuite': [
        // A C
        row('rs-1', {
          starts: 2,
          contentStarts: 2,
          completes: 1,
          content: 61,
          media: 71,
          ama: 0.51,
          drop: 0,
          buffer: 2 / 73,
          bitrate: (1000 * 51 + 3000 * 20) / 71,
          errors: 1,
          adStarts: 1,
          adCompletes: 1,
        }),
        // B D E
        row('rs-2', {
          starts: 3,
          contentStarts: 1,
          completes: 0,
          content: 30,
          media: 30,
          ama: 0.15,
          drop: 1 / 3,
          buffer: 4 / 34,
          bitrate: null,
          errors: 1,
          adStarts: 0,
          adCompletes: 0,
        }),
      ],
    };

    it('C9: each groupBy, and none, sums open and closed sessions per group as worked out by hand', async () => {
      await seedSessions();
      expect(await reportCount(sut)).toBe(3); // A B D stored; C E open
      for (const groupBy of Object.keys(EXPECTED)) {
        const query = groupBy === 'all' ? WINDOW : { ...WINDOW, groupBy };
        const res = await summary(sut, query);
        expect(res.status, groupBy).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(byKey(res.json<Array<{ key: string }>>()), groupBy).toEqual(EXPECTED[groupBy]);
      }
    });

    it('C9: from is inclusive and to exclusive on the session start; a window without sessions gives []', async () => {
      await seedSessions();
      // E starts at 01:00:00 exactly: out of [.., 01:00), in [01:00, ..).
      const upTo = await summary(sut, { from: WINDOW.from, to: '2024-03-11T01:00:00Z' });
      expect(upTo.status).toBe(200);
      expect(upTo.json<Array<{ key: string; mediaStarts: number }>>()).toMatchObject([
        { key: 'all', mediaStarts: 4 },
      ]);
      const fromE = await summary(sut, { from: '2024-03-11T01:00:00Z', to: WINDOW.to });
      expect(fromE.json()).toEqual([{ ...EXPECTED.hour[3], key: 'all' }]);
      // Only D: [00:00, 01:00) on 03-11, grouped by media.id.
      const onlyD = await summary(sut, {
        from: '2024-03-11T00:00:00Z',
        to: '2024-03-11T01:00:00Z',
        groupBy: 'media.id',
      });
      expect(onlyD.json()).toEqual([{ ...EXPECTED.hour[2], key: 'movie-2' }]);
      // An offset is honoured: 23:30+01:00 is 22:30Z, so [22:00Z, 22:30Z) holds only A.
      const offset = await summary(sut, {
        from: '2024-03-10T22:00:00Z',
        to: '2024-03-10T23:30:00+01:00',
      });
      expect(offset.json()).toMatchObject([{ key: 'all', mediaStarts: 1, contentTimeSpent: 41 }]);
      const empty = await summary(sut, {
        from: '2024-03-09T00:00:00Z',
        to: '2024-03-10T00:00:00Z',
        groupBy: 'day',
      });
      expect(empty.status).toBe(200);
      expect(empty.json()).toEqual([]);
      const emptyCsv = await summary(
        sut,
        { from: '2024-03-09T00:00:00Z', to: '2024-03-10T00:00:00Z' },
        { ...AUTH, accept: 'text/csv' },
      );
      expect(emptyCsv.text.split(/\r?\n/).filter((line) => line !== '')).toHaveLength(1);
    });

    it('C9: without from and to, the summary covers sessions started in the last 24 hours', async () => {
      await start(sut, { 'media.id': 'recent' });
      const earlier = await start(sut, { 'media.id': 'recent' });
      const old = await start(sut, { 'media.id': 'old' });
      await sut.db.query(
        `UPDATE sessions SET created_at = now() - interval '23 hours' WHERE id = decode($1, 'hex')`,
        [earlier],
      );
      await sut.db.query(
        `UPDATE sessions SET created_at = now() - interval '25 hours' WHERE id = decode($1, 'hex')`,
        [old],
      );
      const res = await summary(sut, { groupBy: 'media.id' });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject([{ key: 'recent', mediaStarts: 2 }]);
    });

    it('C9: Accept: text/csv gives the same rows as CSV with the header row', async () => {
      await seedSessions();
      for (const groupBy of ['media.channel', 'hour']) {
        const json = await summary(sut, { ...WINDOW, groupBy });
        const csv = await summary(sut, { ...WINDOW, groupBy }, { ...AUTH, accept: 'text/csv' });
        expect(csv.status).toBe(200);
        expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
        const [header, ...lines] = csv.text.split(/\r?\n/).filter((line) => line !== '');
        const columns = [
          'key',
          'mediaStarts',
          'contentStarts',
          'contentCompletes',
          'contentTimeSpent',
          'mediaTimeSpent',
          'averageMinuteAudience',
          'dropBeforeStartRate',
          'bufferRatio',
          'averageBitrate',
          'errorSessions',
          'adStarts',
          'adCompletes',
        ];
        expect(header).toBe(columns.join(','));
        const rows = json.json<Array<Record<string, unknown>>>();
        expect(rows).toHaveLength(EXPECTED[groupBy].length);
        expect(lines).toEqual(
          rows.map((r) =>
            columns.map((c) => (r[c] === null ? '' : String(r[c] as string | number))).join(','),
          ),
        );
      }
    });

    it('C9: an invalid from, to or groupBy is a 400 whose envelope names the field', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ from: 'yesterday' }, 'from'],
        [{ from: '2024-02-30T00:00:00Z', to: WINDOW.to }, 'from'],
        [{ to: '2024-13-01T00:00:00Z' }, 'to'],
        [{ ...WINDOW, groupBy: 'media.name' }, 'groupBy'],
        [{ ...WINDOW, groupBy: '' }, 'groupBy'],
        [{ ...WINDOW, groupBy: '__proto__' }, 'groupBy'],
      ];
      // The same member twice is no valid value either.
      const twice = await get(sut, `${SUMMARY}?groupBy=day&groupBy=hour`);
      expectErrorEnvelope(twice, 400);
      expect(errorPaths(twice)).toEqual(['groupBy']);
      for (const [query, field] of cases) {
        const res = await summary(sut, query);
        expectErrorEnvelope(res, 400);
        expect(errorPaths(res), JSON.stringify(query)).toEqual([field]);
      }
      // from after to: one readable sentence.
      expectErrorEnvelope(await summary(sut, { from: WINDOW.to, to: WINDOW.from }), 400);
    });
  });

  describe('C9: GET /reports/live', () => {
    async function liveView() {
      const res = await get(sut, LIVE);
      expect(res.status).toBe(200);
      return res.json<{
        total: number;
        playing: number;
        paused: number;
        buffering: number;
        inAd: number;
        starting: number;
        topMedia: Array<{ mediaId: string; sessions: number }>;
      }>();
    }

    it('C9: open sessions heard from in the last 30 s are counted by state, with the top media', async () => {
      const media = (id: string) => ({ 'media.id': id });
      const playing1 = await start(sut, media('m-1'));
      await send(sut, playing1, ev('play', 1, 0));
      const playing2 = await start(sut, media('m-1'));
      await send(sut, playing2, ev('play', 1, 0), ev('pauseStart', 5, 4), ev('play', 9, 4));
      // Back from a whole ad break: playing again, not in an ad.
      const playing3 = await start(sut, media('m-1'));
      await send(
        sut,
        playing3,
        ev('play', 1, 0),
        ev('adBreakStart', 3, 2),
        ev('adStart', 4, 2),
        ev('adComplete', 19, 2),
        ev('adBreakComplete', 20, 2),
      );
      const paused = await start(sut, media('m-2'));
      await send(sut, paused, ev('play', 1, 0), ev('pauseStart', 5, 4));
      const buffering = await start(sut, media('m-2'));
      await send(
        sut,
        buffering,
        ev('play', 1, 0),
        ev('bufferStart', 5, 4),
        { playerTime: { playhead: 4, ts: sec(15) }, eventType: 'ping' }, // still buffering
      );
      const inAd = await start(sut, media('m-3'));
      await send(sut, inAd, ev('play', 1, 0), ev('adBreakStart', 3, 2), ev('adStart', 4, 2));
      await start(sut, media('m-4')); // starting: no play yet
      const stale = await start(sut, media('m-5'));
      await send(sut, stale, ev('play', 1, 0));
      const ended = await start(sut, media('m-6'));
      await send(sut, ended, ev('play', 1, 0), ev('sessionEnd', 5, 4));

      // Before it goes quiet, the stale one counts as playing.
      expect(await liveView()).toMatchObject({ total: 8, playing: 4 });

      await sut.db.query(
        `UPDATE sessions SET last_event_at = now() - interval '31 seconds' WHERE id = decode($1, 'hex')`,
        [stale],
      );
      const view = await liveView();
      expect(view).toEqual({
        total: 7,
        playing: 3,
        paused: 1,
        buffering: 1,
        inAd: 1,
        starting: 1,
        topMedia: expect.any(Array) as unknown,
      });
      // Most sessions first; ties in any order; no quiet or closed session.
      expect(view.topMedia[0]).toEqual({ mediaId: 'm-1', sessions: 3 });
      expect(view.topMedia[1]).toEqual({ mediaId: 'm-2', sessions: 2 });
      expect(byKey(view.topMedia.map((m) => ({ ...m, key: m.mediaId })))).toEqual([
        { key: 'm-1', mediaId: 'm-1', sessions: 3 },
        { key: 'm-2', mediaId: 'm-2', sessions: 2 },
        { key: 'm-3', mediaId: 'm-3', sessions: 1 },
        { key: 'm-4', mediaId: 'm-4', sessions: 1 },
      ]);
    });

    it('C9: topMedia holds the ten media.id with most sessions', async () => {
      await start(sut, { 'media.id': 'busy' });
      await start(sut, { 'media.id': 'busy' });
      for (let i = 0; i < 11; i += 1) await start(sut, { 'media.id': `single-${i}` });
      const view = await liveView();
      expect(view.total).toBe(13);
      expect(view.starting).toBe(13);
      expect(view.topMedia).toHaveLength(10);
      expect(view.topMedia[0]).toEqual({ mediaId: 'busy', sessions: 2 });
      expect(view.topMedia.slice(1).every((m) => m.sessions === 1)).toBe(true);
    });

    it('C9: the live state follows player order (ts), as C5 does, not arrival order', async () => {
      // play @5 reaches the service after pauseStart @10: in player order the session is paused.
      const sid = await start(sut);
      await send(sut, sid, ev('pauseStart', 10, 4), ev('play', 5, 0));
      const report = await reportOf(sut, sid);
      expect(report.pause.count).toBe(1);
      expect(await liveView()).toMatchObject({ total: 1, paused: 1, playing: 0 });
    });

    it('C5/C9: at one ts the live state follows the tie precedence, whatever the arrival order, request by request', async () => {
      // The SDKs send adBreakStart, adStart and play with one ts, in parallel: in player order the
      // break and the ad start before the play, so the player is in an ad.
      const reversed = await start(sut);
      await send(sut, reversed, ev('play', 1, 0), ev('play', 3, 2), ev('adStart', 3, 2));
      await send(sut, reversed, ev('adBreakStart', 3, 2));
      // And a break that ends as content resumes: adBreakComplete goes before the play at its ts.
      const resumed = await start(sut);
      await send(sut, resumed, ev('play', 1, 0), ev('adBreakStart', 3, 2), ev('adStart', 3, 2));
      await send(sut, resumed, ev('play', 9, 2), ev('adComplete', 9, 2));
      await send(sut, resumed, ev('adBreakComplete', 9, 2));
      expect(await liveView()).toMatchObject({ total: 2, inAd: 1, playing: 1 });
      expect((await reportOf(sut, reversed)).ads.starts).toBe(1);
      expect((await reportOf(sut, resumed)).ads).toMatchObject({ starts: 1, completes: 1 });
    });

    it('C9: an adStart outside a break is ignored (C5), so it does not put a live session in an ad', async () => {
      const sid = await start(sut);
      await send(sut, sid, ev('play', 1, 0), ev('adStart', 5, 4));
      const report = await reportOf(sut, sid);
      expect(report.ads.starts).toBe(0);
      expect(await liveView()).toMatchObject({ total: 1, playing: 1, inAd: 0 });
    });
  });

  describe('C9: bearer token and unknown sessions', () => {
    it('C9: every reporting route answers 401 with the C6 envelope without the right bearer token', async () => {
      const sid = await start(sut);
      const routes = [reportPath(sid), `${SUMMARY}?groupBy=day`, LIVE];
      const refused: Array<[string, Record<string, string>]> = [
        ['missing', {}],
        ['empty', { authorization: '' }],
        ['wrong token', { authorization: 'Bearer not-the-reports-token-000' }],
        ['token with a character off', { authorization: `Bearer ${TOKEN.slice(0, -1)}X` }],
        ['token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
        ['bare Bearer', { authorization: 'Bearer' }],
        ['Bearer and a space', { authorization: 'Bearer ' }],
        ['token without a scheme', { authorization: TOKEN }],
        [
          'Basic scheme',
          { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
        ],
        ['Token scheme', { authorization: `Token ${TOKEN}` }],
        ['token as a query parameter only', {}],
      ];
      for (const route of routes) {
        expect((await get(sut, route)).status, `${route} with the token`).toBe(200);
        for (const [label, headers] of refused) {
          const path =
            label === 'token as a query parameter only'
              ? `${route}${route.includes('?') ? '&' : '?'}token=${TOKEN}`
              : route;
          const res = await get(sut, path, headers);
          expect(res.status, `${route}: ${label}`).toBe(401);
          const body = expectErrorEnvelope(res, 401);
          expect(body.errors).toBeUndefined();
        }
      }
    });

    it('C9: GET /reports/sessions/{sid} is 404 for an unknown or malformed sid', async () => {
      const sid = await start(sut);
      expect((await get(sut, reportPath(sid))).status).toBe(200);
      const unknown = [
        'a'.repeat(64),
        sid.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
        sid.toUpperCase(),
        sid.slice(0, 63),
        `${sid}0`,
        'not-a-session',
        'zz'.repeat(32),
      ];
      for (const bad of unknown) {
        const res = await get(sut, reportPath(bad));
        expect(res.status, bad).toBe(404);
        expectErrorEnvelope(res, 404);
      }
    });
  });
});

describe('C9: reports of sessions closed by the idle sweep (idle 1 s, sweep every 200 ms)', () => {
  const sut = useTestApp(
    {
      REPORTS_API_TOKEN: TOKEN,
      REPORTS_INTERVAL_MS: '200',
      SESSION_IDLE_TIMEOUT_SECONDS: '1',
      SESSION_SWEEP_INTERVAL_MS: '200',
    },
    [ReportedSessionsModule],
  );

  it('C9: a session closed by the idle timeout gets its stored report with closeReason idle', async () => {
    const sid = await start(sut, { 'media.length': 100 });
    // 1..11 content 10; then silence.
    await send(sut, sid, ev('play', 1, 0), {
      playerTime: { playhead: 10, ts: sec(11) },
      eventType: 'ping',
    });
    const quietFrom = Date.now();
    const row = await awaitStored(sut, sid);
    expect(Date.now() - quietFrom).toBeGreaterThanOrEqual(900);
    expect(row.reported_at).toBeInstanceOf(Date);
    expect(row.report).toMatchObject({
      sessionId: sid,
      open: false,
      closeReason: 'idle',
      downloaded: false,
      contentStarted: true,
      dropBeforeStart: false,
      contentTimeSpent: 10,
    });
    expect(await reportOf(sut, sid)).toEqual(row.report);
    expect(sut.app.get(ReportedSessions).of(sid)).toEqual([row.report]);
  });
});
