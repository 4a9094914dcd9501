import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type SessionReport } from '../../src/media/metrics/session-report.js';
import { SessionSweeper } from '../../src/sessions/session-sweeper.js';
import { expectCorsHeaders, expectErrorEnvelope } from '../support/contract.js';
import { post, request, sessionIdFrom } from '../support/http.js';
import { sleep } from '../support/lifecycle.js';
import {
  type EventBody,
  FIXTURE_01,
  FIXTURE_03,
  FIXTURE_04,
  FIXTURE_09,
  RAW_01,
  REPORTS_TOKEN,
  type ReplayOrder,
  eventsPathOf,
  expectAllAccepted,
  fetchReport,
  readFixture,
  readRawLines,
  readRecording,
  replay,
  withoutArrivalFields,
} from '../support/replay.js';
import { type TestApp, useTestApp } from '../support/test-app.js';

type Report = SessionReport & Record<string, unknown>;

/** Seconds as the report gives them: ms / 1000, summed in floating point (9 decimals agree). */
const s = (seconds: number) => expect.closeTo(seconds, 9) as unknown as number;

async function storedCount(db: pg.Pool, sid: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM session_events WHERE session_id = decode($1,'hex')`,
    [sid],
  );
  return rows[0]?.n ?? -1;
}

async function closeReason(db: pg.Pool, sid: string): Promise<string | null | undefined> {
  const { rows } = await db.query<{ close_reason: string | null }>(
    `SELECT close_reason FROM sessions WHERE id = decode($1,'hex')`,
    [sid],
  );
  return rows[0]?.close_reason;
}

async function storedStateStarts(db: pg.Pool, sid: string): Promise<unknown[]> {
  const { rows } = await db.query<{ name: unknown }>(
    `SELECT params->'media.state.name' AS name FROM session_events
      WHERE session_id = decode($1,'hex') AND event_type = 'stateStart' ORDER BY seq`,
    [sid],
  );
  return rows.map((r) => r.name);
}

/** Replays a recording and returns its session id, after checking every answer was 201/204. */
async function replayAccepted(
  sut: TestApp,
  name: string,
  order: ReplayOrder = 'recorded',
  repeat: readonly number[] = [],
): Promise<string> {
  const run = await replay(sut.baseUrl, readRecording(name), order, repeat);
  expectAllAccepted(run);
  return run.sid;
}

const ALL_MARKERS_REACHED = { p10: true, p25: true, p50: true, p75: true, p95: true };

// ---------------------------------------------------------------------------------------------
// Expected reports, worked out by hand from the fixtures and C5. "t" is ms after the sessionStart's
// ts; "ph" the playhead. Tie order at one ts (C5): sessionStart; ends (adComplete, adSkip,
// adBreakComplete, chapterComplete, chapterSkip, stateEnd); starts (chapterStart, adBreakStart,
// adStart, stateStart, statesUpdate); play, pauseStart, bufferStart; ping, bitrateChange, error;
// sessionComplete/contentComplete; sessionEnd.
// ---------------------------------------------------------------------------------------------

/**
 * Fixture 01 (ts0 = 1796107944437, media.length 45.393727, VOD), 23 requests:
 *   t=0 sessionStart ph0 | t=3 stateStart mute, play (qoe bitrate 50000, droppedFrames 0,
 *   timeToStart 1) ph0 | t=504 chapterStart #1 ph0 | t=1003 play ph0.964774 |
 *   t=8065 pauseStart ph7.964747 | t=19002 ping | t=20164 play ph7.964747 |
 *   t=27503 chapterComplete ph14.879763 | t=27505 adBreakStart, adStart, play ph14.879763 |
 *   t=38502 ping ph15 | t=42504 adComplete ph15 | t=42505 adBreakComplete, chapterStart #2, play
 *   ph15 | t=52227 stateEnd mute ph24.879757 | t=53003 ping ph25.851977 | t=63003 ping
 *   ph35.851959 | t=72550 pauseStart ph45.352293 | t=72551 chapterComplete | t=72552 sessionComplete
 */
const EXPECTED_01 = {
  open: true, // sessionComplete does not close (C4); the grace is 60 s by default
  closeReason: null,
  downloaded: false,
  contentStarted: true,
  contentCompleted: true, // sessionComplete at t=72552
  dropBeforeStart: false,
  // Playing main content: 3→8065 = 8062; 20164→27505 = 7341 (the chapterComplete at 27503 keeps
  // the state); 42505→72550 = 30045. 8062 + 7341 + 30045 = 45448 ms.
  contentTimeSpent: s(45.448),
  // Playing in the ad: 27505→42504 = 14999 ms (42504→42505 is in the break between ads: neither).
  adTimeSpent: s(14.999),
  // 45448 + 14999 = 60447 ms.
  mediaTimeSpent: s(60.447),
  // Playhead ranges while playing main content, each move <= wall time + 1 s:
  // [0, 0.964774] (0.964774 in 0.499 s + 1), [0.964774, 7.964747], [7.964747, 14.879763],
  // then (after the break) [15, 24.879757] (9.879757 in 9.722 s + 1), [24.879757, 25.851977],
  // [25.851977, 35.851959], [35.851959, 45.352293]. Union: 14.879763 + (45.352293 - 15)
  // = 14.879763 + 30.352293 = 45.232056 (< media.length, so no clamp).
  uniqueTimePlayed: s(45.232056),
  // pauseStart at 8065 → play at 20164 = 12099 (the ping inside adds no count); pauseStart at
  // 72550 → the last event at 72552 = 2. Count 2, 12101 ms.
  pause: { count: 2, duration: s(12.101) },
  buffer: { count: 0, duration: 0 },
  // No 3 consecutive events playing main content with one playhead: at t=3/504 only play and
  // chapterStart hold ph0 (the stateStart precedes the play: still starting); at 8065 the ping is
  // paused; at 42505 the adBreakComplete is an event of the break, leaving play + chapterStart.
  stall: { count: 0, duration: 0 },
  // Highest main-content playhead 45.352293 >= 0.95 * 45.393727 = 43.124: every marker.
  progress: ALL_MARKERS_REACHED,
  averageMinuteAudience: s(45.448 / 45.393727),
  estimatedStreams: 1, // floor(60.447 / 1800) + 1
  bitrate: { average: 50000, changes: 0 }, // one bitrate value, no bitrateChange
  timeToStart: s(0.001), // qoeData media.qoe.timeToStart 1 ms on the first play
  droppedFrames: 0,
  errors: { count: 0, playerIds: [], externalIds: [] },
  ads: { breaks: 1, starts: 1, completes: 1, timeSpent: s(14.999) },
  // Chapter 1: 504→8065 = 7561 + 20164→27503 = 7339 → 14900; chapter 2 (starts after the
  // adBreakComplete of its ms): 42505→72550 = 30045. 14900 + 30045 = 44945 ms.
  chapters: { starts: 2, completes: 2, timeSpent: s(44.945) },
  // stateStart mute at t=3 → stateEnd at t=52227: 52224 ms.
  states: { mute: { count: 1, time: s(52.224) } },
  clamped: 0,
  retries: 0,
};

/**
 * Fixture 03 (ts0 = 1796108272762, media.length 0 = unknown, live), 24 requests:
 *   t=0 sessionStart | t=1000 play ph25070 | t=2997 play ph25072 | t=3998 bitrateChange ph25073
 *   (qoe bitrate 800000, droppedFrames 7, timeToStart 1) | t=4999 error ph25074 (errorID
 *   probe.error.42, source player) | t=6004 bufferStart ph25075 | t=8998 play ph25075 |
 *   t=9999 stateStart fullScreen, stateStart pictureInPicture ph25076 | t=11998 pauseStart
 *   ph25078 | t=12998 play ph25199 | t=13999 adBreakStart, adStart, play ph25200 | t=16000 ping |
 *   t=17997 ping | t=17998 adSkip, adBreakComplete, play ph25200 | t=18998 chapterStart ph25201 |
 *   t=21998 chapterSkip ph25204 | t=22998 stateEnd fullScreen ph25205 | t=23998 pauseStart
 *   ph25206 | t=25998 sessionEnd ph25206
 */
const EXPECTED_03 = {
  open: false,
  closeReason: 'end',
  downloaded: false,
  contentStarted: true,
  contentCompleted: false,
  dropBeforeStart: false,
  // Playing main content: 1000→6004 = 5004; 8998→11998 = 3000; 12998→13999 = 1001;
  // 17998→23998 = 6000. 5004 + 3000 + 1001 + 6000 = 15005 ms.
  contentTimeSpent: s(15.005),
  // In the ad: 13999→17998 (adSkip) = 3999 ms.
  adTimeSpent: s(3.999),
  mediaTimeSpent: s(19.004), // 15005 + 3999
  // Ranges while playing main content: [25070, 25078] (1-2 s moves in 1-2 s) = 8 and
  // [25199, 25206] (play at 12998 → adBreakStart at 13999, then after the break) = 7. 8 + 7 = 15.
  uniqueTimePlayed: s(15),
  // 11998→12998 = 1000; 23998→25998 = 2000. Count 2, 3000 ms.
  pause: { count: 2, duration: s(3) },
  // bufferStart 6004 → play 8998 = 2994 ms.
  buffer: { count: 1, duration: s(2.994) },
  // At most 2 consecutive main-content events share a playhead (the two stateStart at 25076;
  // adBreakComplete + play at 25200 are in / right after the break).
  stall: { count: 0, duration: 0 },
  progress: null, // media.length 0
  averageMinuteAudience: null, // media.length 0
  estimatedStreams: 1,
  bitrate: { average: 800000, changes: 1 }, // one value in force; one bitrateChange
  timeToStart: s(0.001), // first qoeData timeToStart: 1 ms on the bitrateChange
  droppedFrames: 7,
  errors: { count: 1, playerIds: ['probe.error.42'], externalIds: [] },
  ads: { breaks: 1, starts: 1, completes: 0, timeSpent: s(3.999) }, // adSkip is no complete
  // chapterStart 18998 → chapterSkip 21998, playing = 3000 ms; a skip is no complete.
  chapters: { starts: 1, completes: 0, timeSpent: s(3) },
  // Both stateStart of t=9999 count. fullScreen (reported as fullscreen, C5): 9999→22998 = 12999;
  // pictureInPicture never ends: in force until the last event, 9999→25998 = 15999.
  states: {
    fullscreen: { count: 1, time: s(12.999) },
    pictureInPicture: { count: 1, time: s(15.999) },
  },
  clamped: 0,
  retries: 0,
};

/**
 * Fixture 04 (ts0 = 1796108148321, media.length 45.393727, VOD; params: {} on every event), 19
 * requests:
 *   t=0 sessionStart ph0.000396 | t=10 play ph0.010257 | t=8197 pauseStart ph8.107009 |
 *   t=10006, 20005 ping | t=20361 play ph8.161779 | t=27506 adBreakStart ph15 | t=27507 adStart
 *   #1 | t=30005 ping | t=37506 adComplete | t=37508 adStart #2 | t=40005 ping | t=42505
 *   adComplete | t=42507 adBreakComplete ph15 | t=50005 ping ph22.646255 | t=60006 ping
 *   ph32.626579 | t=70005 ping ph42.626229 | t=72782 pauseStart ph45.393727 | t=72787
 *   contentComplete
 */
const EXPECTED_04 = {
  open: true,
  closeReason: null,
  downloaded: false,
  contentStarted: true,
  contentCompleted: true, // contentComplete counts as sessionComplete (C3)
  dropBeforeStart: false,
  // Playing main content: 10→8197 = 8187; 20361→27506 = 7145; 42507→72782 = 30275 (no play after
  // the break: the state stays playing). 8187 + 7145 + 30275 = 45607 ms.
  contentTimeSpent: s(45.607),
  // Ad 1: 27507→37506 = 9999; ad 2: 37508→42505 = 4997. 14996 ms (the 1 + 2 + 2 ms between
  // break edges and ads are neither).
  adTimeSpent: s(14.996),
  mediaTimeSpent: s(60.603), // 45607 + 14996
  // [0.010257, 8.107009] = 8.096752; [8.161779, 15] (6.838221 in 7.145 s) and after the break
  // [15, 45.393727] (each ping moves <= wall + 1 s) = 37.231948. 8.096752 + 37.231948 = 45.3287.
  uniqueTimePlayed: s(45.3287),
  // 8197→20361 = 12164 (two pings inside add no count); 72782→72787 = 5. Count 2, 12169 ms.
  pause: { count: 2, duration: s(12.169) },
  buffer: { count: 0, duration: 0 },
  stall: { count: 0, duration: 0 }, // the equal playheads are in the pause or in the break
  // Highest main-content playhead 45.393727 = media.length: every marker.
  progress: ALL_MARKERS_REACHED,
  averageMinuteAudience: s(45.607 / 45.393727),
  estimatedStreams: 1,
  bitrate: { average: null, changes: 0 }, // no qoeData at all
  timeToStart: null,
  droppedFrames: null,
  errors: { count: 0, playerIds: [], externalIds: [] },
  ads: { breaks: 1, starts: 2, completes: 2, timeSpent: s(14.996) },
  chapters: { starts: 0, completes: 0, timeSpent: 0 },
  states: {},
  clamped: 0,
  retries: 0,
};

const MAIN_ENV = {
  REPORTS_API_TOKEN: REPORTS_TOKEN,
  REPORTS_INTERVAL_MS: '200',
  RATE_LIMIT_PER_SECOND: '0',
};

describe('real clients: the recordings of Adobe clients replayed over HTTP', () => {
  const sut = useTestApp(MAIN_ENV);

  it('C1 C2 C3 C5: fixture 01 (Media JS SDK 3.1.0, VOD, mid-roll, 2 chapters, muted start, sessionComplete, no sessionEnd): every request 2xx, all 23 stored, report as worked out by hand', async () => {
    const requests = readRecording(FIXTURE_01);
    expect(requests).toHaveLength(23);
    const sid = await replayAccepted(sut, FIXTURE_01);

    expect(await storedCount(sut.db, sid), 'events stored (nothing merged)').toBe(23);
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({ sessionId: sid, ...EXPECTED_01 });
    expect(Object.keys(report.states)).toEqual(['mute']);
    expect(report.media).toMatchObject({
      'media.id': 'clickbaby',
      'media.length': 45.393727,
      'media.contentType': 'vod',
    });
  });

  it('C1 C2 C3 C5: fixture 03 (JS SDK, live, media.length 0, QoE, error, two stateStart in one ms, adSkip, chapterSkip, sessionEnd): every request 2xx, all 24 stored, report as worked out by hand', async () => {
    const requests = readRecording(FIXTURE_03);
    expect(requests).toHaveLength(24);
    expect(requests[0].body.params?.['media.length']).toBe(0);
    const sid = await replayAccepted(sut, FIXTURE_03);

    expect(await storedCount(sut.db, sid), 'events stored (nothing merged)').toBe(24);
    expect(await closeReason(sut.db, sid)).toBe('end');
    expect(await storedStateStarts(sut.db, sid)).toEqual(['fullScreen', 'pictureInPicture']);
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({ sessionId: sid, ...EXPECTED_03 });
    expect(Object.keys(report.states).sort()).toEqual(['fullscreen', 'pictureInPicture']);
    expect(report.media).toMatchObject({ 'media.id': 'live-probe-1', 'media.length': 0 });
  });

  it('C1 C3 C5: fixture 04 (Adobe 2018 reference player, VOD, 2-ad mid-roll, params: {} on every event, contentComplete): every request 2xx, all 19 stored, report as worked out by hand', async () => {
    const requests = readRecording(FIXTURE_04);
    expect(requests).toHaveLength(19);
    const sid = await replayAccepted(sut, FIXTURE_04);

    expect(await storedCount(sut.db, sid), 'events stored (nothing merged)').toBe(19);
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({ sessionId: sid, ...EXPECTED_04 });
    expect(report.states).toEqual({});
    expect(report.media).toMatchObject({ 'media.id': 'MEDIA_ID', 'media.contentType': 'VOD' });
  });

  it('C2 C7: fixture 09 (iOS AEPMedia 5.0.1 offline session) POSTed as one array to /api/v1/sessions: 201 with Location, closed as downloaded with all 6 events, contentCompleted', async () => {
    const body = readFixture<EventBody[]>(FIXTURE_09);
    expect(body).toHaveLength(6);
    const res = await post(sut.baseUrl, '/api/v1/sessions', body);
    expect(res.status, res.text).toBe(201);
    expect(res.text).toBe('');
    const sid = sessionIdFrom(res);

    expect(await closeReason(sut.db, sid)).toBe('downloaded');
    expect(await storedCount(sut.db, sid)).toBe(6);
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    // t (ms after 1700000000000): 0 sessionStart, 0 play ph0, 1000 play ph1, 5000 pauseStart ph5,
    // 20000 play ph5, 35000 sessionComplete ph20; media.length 30.
    expect(report).toMatchObject({
      sessionId: sid,
      open: false,
      closeReason: 'downloaded',
      downloaded: true,
      contentStarted: true,
      contentCompleted: true,
      dropBeforeStart: false,
      contentTimeSpent: s(20), // 0→5000 + 20000→35000 = 5000 + 15000 ms
      pause: { count: 1, duration: s(15) }, // 5000→20000
      uniqueTimePlayed: s(20), // [0, 1] ∪ [1, 5] ∪ [5, 20]
      // highest playhead 20 of 30: 3, 7.5, 15 reached; 22.5, 28.5 not
      progress: { p10: true, p25: true, p50: true, p75: false, p95: false },
      averageMinuteAudience: s(20 / 30),
    });
    expect(report.media).toMatchObject({ 'media.downloaded': true, 'media.id': 'mediaID' });
  });

  const ORDER_FIXTURES = [FIXTURE_01, FIXTURE_03, FIXTURE_04];

  it.each(ORDER_FIXTURES)(
    'C5: %s with each group of same-ts requests sent in reverse order gives the report of the recorded order',
    async (name) => {
      const recorded = await replayAccepted(sut, name, 'recorded');
      const reversed = await replayAccepted(sut, name, 'ties-reversed');
      const requests = readRecording(name).length;
      expect(await storedCount(sut.db, reversed)).toBe(requests);
      const expected = withoutArrivalFields(await fetchReport(sut.baseUrl, recorded));
      const actual = withoutArrivalFields(await fetchReport(sut.baseUrl, reversed));
      expect(actual).toEqual(expected);
    },
  );

  it.each(ORDER_FIXTURES)(
    'C5: %s with each group of same-ts requests sent concurrently gives the report of the recorded order',
    async (name) => {
      const recorded = await replayAccepted(sut, name, 'recorded');
      const concurrent = await replayAccepted(sut, name, 'ties-concurrent');
      const requests = readRecording(name).length;
      expect(await storedCount(sut.db, concurrent)).toBe(requests);
      const expected = withoutArrivalFields(await fetchReport(sut.baseUrl, recorded));
      const actual = withoutArrivalFields(await fetchReport(sut.baseUrl, concurrent));
      expect(actual).toEqual(expected);
    },
  );

  it('C6: the preflights of 01-raw-with-headers.jsonl (with their Origin and Access-Control-Request-*) answer 204 with Access-Control-Max-Age 86400 and the CORS headers; its POSTs are all 2xx and give the report of fixture 01', async () => {
    const lines = readRawLines(RAW_01);
    const preflights = lines.filter((l) => l.method === 'OPTIONS');
    const posts = lines.filter((l) => l.method === 'POST');
    expect(preflights.length).toBeGreaterThan(0);
    expect(posts).toHaveLength(23);

    let sid: string | undefined;
    const SID = /[0-9a-f]{64}/;
    const urlOf = (url: string) => {
      if (!SID.test(url)) return url;
      expect(sid, `a session was started before ${url}`).toBeDefined();
      return url.replace(SID, sid!);
    };
    for (const [i, line] of lines.entries()) {
      const label = `line ${i}: ${line.method} ${line.url}`;
      if (line.method === 'OPTIONS') {
        const res = await request(sut.baseUrl, 'OPTIONS', urlOf(line.url), {
          origin: line.headers.origin,
          'access-control-request-method': line.headers['access-control-request-method'],
          'access-control-request-headers': line.headers['access-control-request-headers'],
        });
        expect(res.status, label).toBe(204);
        expect(res.text, label).toBe('');
        expect(res.headers.get('access-control-max-age'), label).toBe('86400');
        expectCorsHeaders(res.headers);
      } else {
        expect(line.method, label).toBe('POST');
        const res = await post(sut.baseUrl, urlOf(line.url), line.body, {
          contentType: line.headers['content-type'],
          headers: { origin: line.headers.origin },
        });
        expect(res.status, `${label}: ${res.text}`).toBe(line.status);
        expect([201, 204], label).toContain(res.status);
        expectCorsHeaders(res.headers);
        if (line.url === '/api/v1/sessions') sid = sessionIdFrom(res);
      }
    }
    expect(sid).toBeDefined();
    expect(await storedCount(sut.db, sid!)).toBe(23);

    // The same bodies as fixture 01: the same report.
    const report = await fetchReport<Report>(sut.baseUrl, sid!);
    expect(report).toMatchObject(EXPECTED_01);
  });

  it('C3: a request of fixture 03 sent twice (the same whole body) is stored once and counted in retries; the two stateStart of one ms are both stored', async () => {
    // seq 8 is the pictureInPicture stateStart: it shares eventType, ts and playhead with seq 7
    // (fullScreen), so only its params tell the two apart; its retry is the same whole body.
    const recorded = await replayAccepted(sut, FIXTURE_03);
    const run = await replay(sut.baseUrl, readRecording(FIXTURE_03), 'recorded', [8]);
    expectAllAccepted(run);
    expect(run.answers).toHaveLength(25);
    expect(run.answers.filter((a) => a.seq === 8).map((a) => a.status)).toEqual([204, 204]);

    expect(await storedCount(sut.db, run.sid), '24 requests, one of them sent twice').toBe(24);
    expect(await storedStateStarts(sut.db, run.sid)).toEqual(['fullScreen', 'pictureInPicture']);
    const report = await fetchReport<Report>(sut.baseUrl, run.sid);
    expect(report.retries).toBe(1);
    expect(report).toMatchObject({ ...EXPECTED_03, retries: 1 });
    // Nothing but the retry count differs from the replay without the retry.
    const baseline = await fetchReport(sut.baseUrl, recorded);
    expect({ ...withoutArrivalFields(report), retries: 0 }).toEqual(withoutArrivalFields(baseline));
  });

  it('C3: a retry written differently (keys in another order, 25078.0 for 25078, params: {}) is the same event; after sessionEnd a retry is 204 and stores nothing while a new event is 410', async () => {
    const requests = readRecording(FIXTURE_03);
    const [start, ...events] = requests;
    const startRes = await post(sut.baseUrl, start.path, start.body);
    expect(startRes.status).toBe(201);
    const sid = sessionIdFrom(startRes);
    const path = eventsPathOf(sid);
    const pause = events.find((r) => r.seq === 9)!;
    expect(pause.body).toEqual({
      eventType: 'pauseStart',
      playerTime: { playhead: 25078, ts: 1796108284760 },
    });
    for (const req of events) {
      const res = await post(sut.baseUrl, path, req.body, { contentType: req.contentType });
      expect(res.status, `#${req.seq} ${req.body.eventType}: ${res.text}`).toBe(204);
      if (req.seq === 9) {
        const retry = await post(sut.baseUrl, path, undefined, {
          raw: '{"params":{},"playerTime":{"ts":1796108284760,"playhead":25078.0},"eventType":"pauseStart"}',
        });
        expect(retry.status, retry.text).toBe(204);
      }
    }
    expect(await storedCount(sut.db, sid)).toBe(24);
    expect(await closeReason(sut.db, sid)).toBe('end');
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({ ...EXPECTED_03, retries: 1 });

    // The session is closed (sessionEnd): a retry of a stored event is still 204 and stores
    // nothing; an event not stored before is 410.
    const late = await post(sut.baseUrl, path, events.find((r) => r.seq === 4)!.body);
    expect(late.status, late.text).toBe(204);
    const lateEnd = await post(sut.baseUrl, path, events.at(-1)!.body);
    expect(lateEnd.status, lateEnd.text).toBe(204);
    const fresh = await post(sut.baseUrl, path, {
      eventType: 'ping',
      playerTime: { playhead: 25206, ts: 1796108308760 },
    });
    expectErrorEnvelope(fresh, 410);
    expect(await storedCount(sut.db, sid)).toBe(24);
  });
});

/** fixture 01's last playhead and ts, for events sent after its sessionComplete. */
const LAST_01 = { playhead: 45.352293, ts: 1796108016989 };
const after01 = (eventType: string, ms: number) => ({
  eventType,
  playerTime: { playhead: LAST_01.playhead, ts: LAST_01.ts + ms },
});

describe('C4: fixture 01 after its sessionComplete (SESSION_COMPLETE_GRACE_SECONDS 1, background sweep every 200 ms)', () => {
  const sut = useTestApp({
    ...MAIN_ENV,
    SESSION_COMPLETE_GRACE_SECONDS: '1',
    SESSION_SWEEP_INTERVAL_MS: '200',
  });

  it("C4: fixture 01 (sessionComplete, no sessionEnd) closes with closeReason 'complete' shortly after the grace; a later sessionEnd is 204 and stores nothing, a later play is 410", async () => {
    const sid = await replayAccepted(sut, FIXTURE_01);
    const replayedAt = Date.now();
    // Within the grace the session is open.
    expect(await closeReason(sut.db, sid)).toBeNull();
    const openReport = await fetchReport<Report>(sut.baseUrl, sid);
    expect(openReport).toMatchObject({ open: true, closeReason: null, contentCompleted: true });

    let reason: string | null | undefined = null;
    let closedSeenAt = 0;
    while (Date.now() - replayedAt < 6000) {
      reason = await closeReason(sut.db, sid);
      if (reason !== null) {
        closedSeenAt = Date.now();
        break;
      }
      await sleep(25);
    }
    expect(reason, 'closed within 6 s of the sessionComplete').toBe('complete');
    const closedAfterMs = closedSeenAt - replayedAt;
    expect(closedAfterMs, 'not closed before the 1 s grace').toBeGreaterThanOrEqual(900);
    expect(closedAfterMs, 'closed shortly after the grace').toBeLessThan(4000);

    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({
      open: false,
      closeReason: 'complete',
      contentCompleted: true,
      dropBeforeStart: false,
    });
    // Closing changes only open/closeReason: the figures are those of the open session.
    const figures = (r: Record<string, unknown>) => ({
      ...withoutArrivalFields(r),
      open: undefined,
      closeReason: undefined,
    });
    expect(figures(report)).toEqual(figures(openReport));
    expect(report).toMatchObject({ ...EXPECTED_01, open: false, closeReason: 'complete' });

    const end = await post(sut.baseUrl, eventsPathOf(sid), after01('sessionEnd', 3000));
    expect(end.status, end.text).toBe(204);
    expect(end.text).toBe('');
    expect(await storedCount(sut.db, sid), 'the late sessionEnd stored nothing').toBe(23);
    expect(await closeReason(sut.db, sid)).toBe('complete');

    const play = await post(sut.baseUrl, eventsPathOf(sid), after01('play', 4000));
    expectErrorEnvelope(play, 410);
    expect(await storedCount(sut.db, sid)).toBe(23);
    expect(await closeReason(sut.db, sid)).toBe('complete');
  });
});

describe('C4: fixture 01 after its sessionComplete (SESSION_COMPLETE_GRACE_SECONDS 1, no background sweep)', () => {
  const sut = useTestApp({
    ...MAIN_ENV,
    SESSION_COMPLETE_GRACE_SECONDS: '1',
    SESSION_SWEEP_INTERVAL_MS: '3600000',
  });
  const sweep = () => sut.app.get(SessionSweeper).sweepOnce();

  it("C4: after the grace, before any sweep, a sessionEnd is 204 and stores nothing and a play is 410 (the clock decides); the sweep then closes it 'complete', not 'end'", async () => {
    const sid = await replayAccepted(sut, FIXTURE_01);
    await sleep(1500);

    const end = await post(sut.baseUrl, eventsPathOf(sid), after01('sessionEnd', 2000));
    expect(end.status, end.text).toBe(204);
    expect(await storedCount(sut.db, sid), 'the late sessionEnd stored nothing').toBe(23);
    expect(await closeReason(sut.db, sid)).not.toBe('end');

    const play = await post(sut.baseUrl, eventsPathOf(sid), after01('play', 3000));
    expectErrorEnvelope(play, 410);
    expect(await storedCount(sut.db, sid)).toBe(23);

    await sweep();
    expect(await closeReason(sut.db, sid)).toBe('complete');
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({ ...EXPECTED_01, open: false, closeReason: 'complete' });
  });

  it("C4: within the grace the session stays open: trailing events are stored and a sessionEnd closes it with reason 'end'", async () => {
    const sid = await replayAccepted(sut, FIXTURE_01);
    await sweep();
    expect(await closeReason(sut.db, sid)).toBeNull();

    const end = await post(sut.baseUrl, eventsPathOf(sid), after01('sessionEnd', 10));
    expect(end.status, end.text).toBe(204);
    expect(await storedCount(sut.db, sid)).toBe(24);
    expect(await closeReason(sut.db, sid)).toBe('end');
    const report = await fetchReport<Report>(sut.baseUrl, sid);
    expect(report).toMatchObject({ open: false, closeReason: 'end', contentCompleted: true });
  });
});
