import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionSweeper } from '../../src/sessions/session-sweeper.js';
import { SessionsRepository } from '../../src/sessions/sessions.repository.js';
import { expectErrorEnvelope } from '../support/contract.js';
import { CONTRACT_EVENT_TYPES, anEvent } from '../support/factories.js';
import {
  type Timed,
  aPing,
  eventRows,
  expectClosedAtDeadline,
  installCloseAudit,
  mapLimited,
  removeCloseAudit,
  sendEvent,
  sessionHolds,
  sessionRow,
  sleep,
  startSession,
} from '../support/lifecycle.js';
import { type TestApp, startTestApp, truncateAll, useTestApp } from '../support/test-app.js';

/** The seed's own sample timestamp (26 Oct 2017). */
const SEED_TS = 1509045324153;
const HOUR_MS = '3600000';
const EVENT_TYPES = CONTRACT_EVENT_TYPES;

const at = (playhead: number, ts: number) => ({ playerTime: { playhead, ts } });

async function closedAtText(db: pg.Pool, sid: string): Promise<string | null> {
  const { rows } = await db.query<{ closed_at: string | null }>(
    `SELECT closed_at::text AS closed_at FROM sessions WHERE id = decode($1, 'hex')`,
    [sid],
  );
  return rows[0]?.closed_at ?? null;
}

describe('C4: session lifecycle on the request path (idle 2 s, other limits 1 h, no sweep)', () => {
  const sut = useTestApp({
    SESSION_IDLE_TIMEOUT_SECONDS: '2',
    SESSION_STALL_TIMEOUT_SECONDS: '3600',
    SESSION_MAX_DURATION_SECONDS: '3600',
    SESSION_SWEEP_INTERVAL_MS: HOUR_MS,
  });
  const sweep = () => sut.app.get(SessionSweeper).sweepOnce();

  it('C4: sessionComplete marks content complete but does not close: later events get 204 and are stored', async () => {
    const t0 = Date.now();
    const { sid } = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    const play = await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, t0 + 500)));
    const complete = await sendEvent(
      sut.baseUrl,
      sid,
      anEvent('sessionComplete', at(60.39, t0 + 1000)),
    );
    expect([play.status, complete.status]).toEqual([204, 204]);

    const trailing = [
      await sendEvent(sut.baseUrl, sid, aPing(60.39, t0 + 2000)),
      await sendEvent(sut.baseUrl, sid, anEvent('pauseStart', at(60.39, t0 + 2500))),
      await sendEvent(sut.baseUrl, sid, aPing(60.39, t0 + 3000)),
    ];
    expect(trailing.map((r) => r.status)).toEqual([204, 204, 204]);

    await sweep();
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      closed_at: null,
      close_reason: null,
      event_count: 6,
    });
    expect((await eventRows(sut.db, sid)).map((e) => e.event_type)).toEqual([
      'sessionStart',
      'play',
      'sessionComplete',
      'ping',
      'pauseStart',
      'ping',
    ]);
  });

  it("C4: sessionEnd closes with reason 'end'; every later event gets 410 and stores nothing", async () => {
    const t0 = Date.now();
    const { sid } = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    expect((await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, t0 + 400)))).status).toBe(204);
    expect((await sendEvent(sut.baseUrl, sid, aPing(10, t0 + 10400))).status).toBe(204);
    const end = await sendEvent(sut.baseUrl, sid, anEvent('sessionEnd', at(12, t0 + 12000)));
    expect(end.status).toBe(204);
    expect(end.text).toBe('');

    expect(await sessionRow(sut.db, sid)).toMatchObject({ close_reason: 'end', event_count: 4 });
    expect(await sessionHolds(sut.db, sid, 's.closed_at = s.last_event_at')).toBe(true);
    const closedAt = await closedAtText(sut.db, sid);
    expect(closedAt).not.toBeNull();
    const storedBefore = await eventRows(sut.db, sid);
    expect(storedBefore.map((e) => e.event_type)).toEqual([
      'sessionStart',
      'play',
      'ping',
      'sessionEnd',
    ]);

    for (const [i, type] of EVENT_TYPES.entries()) {
      const res = await sendEvent(sut.baseUrl, sid, anEvent(type, at(12, t0 + 13000 + i * 100)));
      expect(res.status, type).toBe(410);
      expectErrorEnvelope(res, 410);
    }

    await sweep();
    expect(await eventRows(sut.db, sid)).toEqual(storedBefore);
    expect(await sessionRow(sut.db, sid)).toMatchObject({ close_reason: 'end', event_count: 4 });
    expect(await closedAtText(sut.db, sid)).toBe(closedAt);
  });

  it("C4: idle: after no event for longer than the idle timeout the next event gets 410 before any sweep; the sweep then closes it 'idle' at last_event_at + idle", async () => {
    const t0 = Date.now();
    const { sid } = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    const play = await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, t0 + 300)));
    expect(play.status).toBe(204);

    await sleep(Math.max(0, play.answeredAt + 2_000 + 150 - Date.now()));
    const late = await sendEvent(sut.baseUrl, sid, aPing(0, t0 + 2_450));
    expectErrorEnvelope(late, 410);
    // The 410 came from the request's own check: nothing has marked the row closed yet.
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      closed_at: null,
      close_reason: null,
      event_count: 2,
    });

    await sweep();
    expect(await sessionRow(sut.db, sid)).toMatchObject({ close_reason: 'idle', event_count: 2 });
    expect(
      await sessionHolds(sut.db, sid, "s.closed_at = s.last_event_at + interval '2 seconds'"),
    ).toBe(true);

    const after = await sendEvent(sut.baseUrl, sid, anEvent('sessionEnd', at(0, t0 + 2_600)));
    expectErrorEnvelope(after, 410);
    expect((await eventRows(sut.db, sid)).map((e) => e.event_type)).toEqual([
      'sessionStart',
      'play',
    ]);
    expect(await sessionRow(sut.db, sid)).toMatchObject({ close_reason: 'idle', event_count: 2 });
  });

  it('C4: the lifecycle clock is the service\u2019s: 2017 timestamps (the seed\u2019s) keep a session open, far-future ones do not close it early', async () => {
    const { sid } = await startSession(sut.baseUrl); // the seed body: ts in October 2017
    const tenYears = Date.now() + 10 * 365 * 86_400_000;
    const answers = [
      await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, SEED_TS + 1_000))),
      await sendEvent(sut.baseUrl, sid, aPing(10, SEED_TS + 11_000)),
      await sendEvent(sut.baseUrl, sid, aPing(20, tenYears)),
      await sendEvent(sut.baseUrl, sid, anEvent('bitrateChange', at(21, tenYears + 1_000))),
      await sendEvent(sut.baseUrl, sid, aPing(30, SEED_TS + 31_000)),
    ];
    expect(answers.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);

    await sweep();
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      closed_at: null,
      close_reason: null,
      event_count: 6,
    });
    // Arrival times, not player times, drive the clock.
    expect(
      await sessionHolds(
        sut.db,
        sid,
        "s.last_event_at BETWEEN now() - interval '5 seconds' AND now() AND s.created_at > now() - interval '10 seconds'",
      ),
    ).toBe(true);

    const end = await sendEvent(sut.baseUrl, sid, anEvent('sessionEnd', at(30, SEED_TS + 32_000)));
    expect(end.status).toBe(204);
    expect(await sessionRow(sut.db, sid)).toMatchObject({ close_reason: 'end', event_count: 7 });
    expect(
      await sessionHolds(sut.db, sid, "s.closed_at BETWEEN now() - interval '5 seconds' AND now()"),
    ).toBe(true);
  });
});

describe('C4: a completed session closes after its grace (grace 2 s, other limits 1 h, no sweep)', () => {
  const sut = useTestApp({
    SESSION_COMPLETE_GRACE_SECONDS: '2',
    SESSION_IDLE_TIMEOUT_SECONDS: '3600',
    SESSION_STALL_TIMEOUT_SECONDS: '3600',
    SESSION_MAX_DURATION_SECONDS: '3600',
    SESSION_SWEEP_INTERVAL_MS: HOUR_MS,
  });
  const sweep = () => sut.app.get(SessionSweeper).sweepOnce();

  it.each(['sessionComplete', 'contentComplete'])(
    "C4: after a %s, trailing events count; with no event for the grace the next is 410, a sessionEnd is 204 and stores nothing, and the sweep closes it 'complete' at last_event_at + grace",
    async (complete) => {
      const t0 = Date.now();
      const { sid } = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
      expect((await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, t0 + 100)))).status).toBe(
        204,
      );
      expect((await sendEvent(sut.baseUrl, sid, anEvent(complete, at(60, t0 + 200)))).status).toBe(
        204,
      );
      await sleep(1_000);
      const trailing = await sendEvent(sut.baseUrl, sid, aPing(60, t0 + 1_200));
      expect(trailing.status).toBe(204);

      // The grace counts from the last event, not from the complete.
      await sleep(Math.max(0, trailing.answeredAt + 2_000 + 150 - Date.now()));
      const end = await sendEvent(sut.baseUrl, sid, anEvent('sessionEnd', at(60, t0 + 3_400)));
      expect(end.status).toBe(204);
      expectErrorEnvelope(await sendEvent(sut.baseUrl, sid, aPing(60, t0 + 3_500)), 410);
      expect(await sessionRow(sut.db, sid)).toMatchObject({ closed_at: null, event_count: 4 });

      await sweep();
      expect(await sessionRow(sut.db, sid)).toMatchObject({
        close_reason: 'complete',
        event_count: 4,
      });
      expect(
        await sessionHolds(sut.db, sid, "s.closed_at = s.last_event_at + interval '2 seconds'"),
      ).toBe(true);
      expect(
        (await sendEvent(sut.baseUrl, sid, anEvent('sessionEnd', at(60, t0 + 3_600)))).status,
      ).toBe(204);
      expectErrorEnvelope(
        await sendEvent(sut.baseUrl, sid, anEvent('play', at(60, t0 + 3_700))),
        410,
      );
      expect((await eventRows(sut.db, sid)).map((e) => e.event_type)).toEqual([
        'sessionStart',
        'play',
        complete,
        'ping',
      ]);
    },
  );

  it('C4: a session that has not completed is not closed by the grace', async () => {
    const t0 = Date.now();
    const { sid } = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    const play = await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, t0 + 100)));
    await sleep(Math.max(0, play.answeredAt + 2_000 + 150 - Date.now()));
    expect((await sendEvent(sut.baseUrl, sid, aPing(2, t0 + 2_300))).status).toBe(204);
    await sweep();
    expect(await sessionRow(sut.db, sid)).toMatchObject({ closed_at: null });
  });
});

describe('C4: stalled (idle 2 s, stall 3 s, max-duration 1 h, no sweep)', () => {
  const sut = useTestApp({
    SESSION_IDLE_TIMEOUT_SECONDS: '2',
    SESSION_STALL_TIMEOUT_SECONDS: '3',
    SESSION_MAX_DURATION_SECONDS: '3600',
    SESSION_SWEEP_INTERVAL_MS: HOUR_MS,
  });

  it("C4: pings with an unchanged playhead past the stall timeout get 410 and the sweep closes it 'stalled'; a moving playhead keeps its session open", async () => {
    const t0 = Date.now();
    const stuck = (await startSession(sut.baseUrl, { playerTime: { ts: t0 } })).sid;
    const moving = (await startSession(sut.baseUrl, { playerTime: { ts: t0 } })).sid;
    const playedAt = Date.now();
    expect((await sendEvent(sut.baseUrl, moving, anEvent('play', at(0, t0 + 100)))).status).toBe(
      204,
    );
    expect((await sendEvent(sut.baseUrl, stuck, anEvent('play', at(0, t0 + 100)))).status).toBe(
      204,
    );
    // The stuck session's playhead moves once, then the player pauses and keeps pinging.
    const moved = await sendEvent(sut.baseUrl, stuck, aPing(0.5, t0 + 600));
    expect(moved.status).toBe(204);
    const pause = await sendEvent(sut.baseUrl, stuck, anEvent('pauseStart', at(0.5, t0 + 700)));
    const stuckAnswers: Timed[] = [pause];
    const movingAnswers: Timed[] = [];

    while (Date.now() - moved.answeredAt < 3_000 + 400) {
      await sleep(250);
      const ts = Date.now() - playedAt + t0;
      movingAnswers.push(await sendEvent(sut.baseUrl, moving, aPing((ts - t0) / 1000, ts)));
      stuckAnswers.push(await sendEvent(sut.baseUrl, stuck, aPing(0.5, ts)));
    }

    expectClosedAtDeadline(stuckAnswers, moved, 3_000);
    // Past the idle timeout since the playhead last moved, the pings alone kept it alive.
    expect(
      stuckAnswers.some((r) => r.status === 204 && r.sentAt - moved.answeredAt > 2_000 + 50),
    ).toBe(true);
    expect(movingAnswers.map((r) => r.status)).toEqual(movingAnswers.map(() => 204));
    expect(await sessionRow(sut.db, stuck)).toMatchObject({ closed_at: null, close_reason: null });

    await sut.app.get(SessionSweeper).sweepOnce();
    expect(await sessionRow(sut.db, stuck)).toMatchObject({ close_reason: 'stalled' });
    expect(
      await sessionHolds(
        sut.db,
        stuck,
        "s.closed_at = s.playhead_moved_at + interval '3 seconds' AND s.last_event_at > s.playhead_moved_at + interval '2 seconds'",
      ),
    ).toBe(true);
    const stuckEvents = await eventRows(sut.db, stuck);
    expect(stuckEvents).toHaveLength(4 + stuckAnswers.filter((r) => r.status === 204).length - 1);
    expectErrorEnvelope(await sendEvent(sut.baseUrl, stuck, aPing(1, Date.now())), 410);
    expect(await eventRows(sut.db, stuck)).toEqual(stuckEvents);

    expect(await sessionRow(sut.db, moving)).toMatchObject({ closed_at: null, close_reason: null });
    const ts = Date.now() - playedAt + t0;
    expect((await sendEvent(sut.baseUrl, moving, aPing((ts - t0) / 1000, ts))).status).toBe(204);
  });
});

describe('C4: max-duration (idle 2 s, stall 1 h, max-duration 3 s, no sweep)', () => {
  const sut = useTestApp({
    SESSION_IDLE_TIMEOUT_SECONDS: '2',
    SESSION_STALL_TIMEOUT_SECONDS: '3600',
    SESSION_MAX_DURATION_SECONDS: '3',
    SESSION_SWEEP_INTERVAL_MS: HOUR_MS,
  });

  it("C4: events with a moving playhead past the max duration get 410; the sweep closes it 'max-duration' at created_at + max", async () => {
    const t0 = Date.now();
    const { sid, start } = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    const answers: Timed[] = [await sendEvent(sut.baseUrl, sid, anEvent('play', at(0, t0 + 50)))];
    while (Date.now() - start.answeredAt < 3_000 + 400) {
      await sleep(250);
      const ts = Date.now() - start.answeredAt + t0;
      answers.push(await sendEvent(sut.baseUrl, sid, aPing((ts - t0) / 1000, ts)));
    }

    expectClosedAtDeadline(answers, start, 3_000);
    const accepted = answers.filter((r) => r.status === 204).length;
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      closed_at: null,
      close_reason: null,
      event_count: 1 + accepted,
    });

    await sut.app.get(SessionSweeper).sweepOnce();
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      close_reason: 'max-duration',
      event_count: 1 + accepted,
    });
    expect(
      await sessionHolds(
        sut.db,
        sid,
        `s.closed_at = s.created_at + interval '3 seconds'
         AND s.last_event_at > s.created_at + interval '2.5 seconds'
         AND s.playhead_moved_at > s.created_at + interval '2.5 seconds'`,
      ),
    ).toBe(true);
    expect(await eventRows(sut.db, sid)).toHaveLength(1 + accepted);
  });
});

describe('C4: the background sweep alone (idle 1 s, sweep every 200 ms)', () => {
  const sut = useTestApp({
    SESSION_IDLE_TIMEOUT_SECONDS: '1',
    SESSION_STALL_TIMEOUT_SECONDS: '3600',
    SESSION_MAX_DURATION_SECONDS: '3600',
    SESSION_SWEEP_INTERVAL_MS: '200',
  });

  it("C4: the timer closes an idle session 'idle' without any request to it, and leaves an active one open", async () => {
    const t0 = Date.now();
    const idle = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    const active = await startSession(sut.baseUrl, { playerTime: { ts: t0 } });
    let closedSeenAt: number | undefined;
    while (closedSeenAt === undefined && Date.now() - idle.start.answeredAt < 4_000) {
      await sleep(100);
      const ts = Date.now();
      expect((await sendEvent(sut.baseUrl, active.sid, aPing((ts - t0) / 1000, ts))).status).toBe(
        204,
      );
      if ((await sessionRow(sut.db, idle.sid)).closed_at !== null) closedSeenAt = Date.now();
    }

    expect(closedSeenAt, 'the sweep closed the idle session within 4 s').toBeDefined();
    expect((closedSeenAt ?? 0) - idle.start.sentAt).toBeGreaterThanOrEqual(1_000);
    expect(await sessionRow(sut.db, idle.sid)).toMatchObject({
      close_reason: 'idle',
      event_count: 1,
    });
    expect(
      await sessionHolds(sut.db, idle.sid, "s.closed_at = s.last_event_at + interval '1 second'"),
    ).toBe(true);
    expect(await sessionRow(sut.db, active.sid)).toMatchObject({
      closed_at: null,
      close_reason: null,
    });
    expect(sut.logger.text('warn')).not.toContain('sweep failed');
  });
});

describe('C4: closing is idempotent and safe with two instances on one database', () => {
  const ENV = {
    SESSION_IDLE_TIMEOUT_SECONDS: '2',
    SESSION_STALL_TIMEOUT_SECONDS: '3',
    SESSION_MAX_DURATION_SECONDS: '4',
    SESSION_SWEEP_INTERVAL_MS: HOUR_MS,
    RATE_LIMIT_PER_SECOND: '0',
  };
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp(ENV);
    b = await startTestApp(ENV);
    await installCloseAudit(a.db);
  });
  afterAll(async () => {
    if (a) await removeCloseAudit(a.db);
    await a?.close();
    await b?.close();
  });
  beforeEach(async () => {
    await truncateAll(a.db);
    await a.db.query('TRUNCATE test_close_audit');
  });

  it('C4: 300 expired sessions swept concurrently by both instances (while requests hit them) close exactly once, each with the reason whose deadline came first', async () => {
    const apps = [a, b];
    const sids = await mapLimited(Array.from({ length: 330 }), 20, async (_, i) => {
      const app = apps[i % 2];
      return (await startSession(app.baseUrl, { playerTime: { ts: Date.now() } })).sid;
    });
    const groups = {
      idle: sids.slice(0, 100),
      stalled: sids.slice(100, 200),
      'max-duration': sids.slice(200, 300),
    };
    const expired = sids.slice(0, 300);
    const live = sids.slice(300);

    // Put each group's deadlines in the past (idle 2 s, stall 3 s, max 4 s after these times),
    // arranged so that a different limit passed first in each group.
    const backdate = (sidList: string[], created: number, moved: number, last: number) =>
      a.db.query(
        `UPDATE sessions SET created_at = now() - $2 * interval '1 second',
                             playhead_moved_at = now() - $3 * interval '1 second',
                             last_event_at = now() - $4 * interval '1 second'
          WHERE encode(id, 'hex') = ANY($1::text[])`,
        [sidList, created, moved, last],
      );
    await backdate(groups.idle, 60, 59.5, 59.5); // idle at -57.5, stall -56.5, max -56
    await backdate(groups.stalled, 60, 60, 58.5); // stall at -57, idle -56.5, max -56
    await backdate(groups['max-duration'], 60, 58.5, 57); // max at -56, stall -55.5, idle -55

    const sweepers = apps.map((app) => app.app.get(SessionSweeper));
    const repositories = apps.map((app) => app.app.get(SessionsRepository));
    const refused: Timed[] = [];
    const accepted: Timed[] = [];
    for (let round = 0; round < 3; round++) {
      const ts = Date.now();
      await Promise.all([
        ...sweepers.map((sweeper) => sweeper.sweepOnce()),
        ...[0, 1, 0, 1, 0, 1].map((i) => repositories[i].closeExpiredSessions(25)),
        // Players of expired sessions still talking, to either instance.
        ...expired
          .slice(round * 30, round * 30 + 30)
          .map(async (sid, i) =>
            refused.push(
              await sendEvent(
                apps[i % 2].baseUrl,
                sid,
                anEvent(i % 3 === 0 ? 'sessionEnd' : 'play', at(0, ts)),
              ),
            ),
          ),
        // Live sessions keep playing; in the last round ten of them end.
        ...live.map(async (sid, i) =>
          accepted.push(
            await sendEvent(
              apps[i % 2].baseUrl,
              sid,
              round === 2 && i < 10
                ? anEvent('sessionEnd', at(round + 1, ts))
                : aPing(round + 1, ts),
            ),
          ),
        ),
      ]);
    }
    expect(refused).toHaveLength(90);
    expect(refused.map((r) => r.status)).toEqual(refused.map(() => 410));
    expect(accepted.map((r) => r.status)).toEqual(accepted.map(() => 204));

    interface Row {
      sid: string;
      close_reason: string | null;
      closed_at: string | null;
      exact: boolean | null;
      event_count: number;
      events: number;
    }
    const snapshot = async () =>
      (
        await a.db.query<Row>(
          `SELECT encode(s.id, 'hex') AS sid, s.close_reason, s.closed_at::text AS closed_at,
                  s.closed_at = CASE s.close_reason
                                  WHEN 'idle' THEN s.last_event_at + interval '2 seconds'
                                  WHEN 'stalled' THEN s.playhead_moved_at + interval '3 seconds'
                                  WHEN 'max-duration' THEN s.created_at + interval '4 seconds'
                                  WHEN 'end' THEN s.last_event_at
                                END AS exact,
                  s.event_count,
                  (SELECT count(*)::int FROM session_events e WHERE e.session_id = s.id) AS events
             FROM sessions s ORDER BY 1`,
        )
      ).rows;
    const rows = await snapshot();
    const bySid = new Map(rows.map((row) => [row.sid, row]));
    expect(rows).toHaveLength(330);
    for (const [reason, members] of Object.entries(groups)) {
      for (const sid of members) {
        expect(bySid.get(sid), sid).toMatchObject({
          close_reason: reason,
          exact: true,
          event_count: 1,
          events: 1,
        });
      }
    }
    for (const [i, sid] of live.entries()) {
      expect(bySid.get(sid), sid).toMatchObject(
        i < 10
          ? { close_reason: 'end', exact: true, event_count: 4, events: 4 }
          : { close_reason: null, closed_at: null, event_count: 4, events: 4 },
      );
    }

    // Every session closed once: one audited change each, from open to closed.
    const audit = async () =>
      (
        await a.db.query<{ sid: string; changes: number; from_open: boolean }>(
          `SELECT encode(session_id, 'hex') AS sid, count(*)::int AS changes,
                  bool_and(old_closed_at IS NULL AND new_closed_at IS NOT NULL) AS from_open
             FROM test_close_audit GROUP BY 1 ORDER BY 1`,
        )
      ).rows;
    const closedOnce = [...expired, ...live.slice(0, 10)]
      .sort()
      .map((sid) => ({ sid, changes: 1, from_open: true }));
    expect(await audit()).toEqual(closedOnce);

    // Sweeping again, from both instances at once, changes nothing.
    await Promise.all([
      ...sweepers.map((sweeper) => sweeper.sweepOnce()),
      ...[0, 1].map((i) => repositories[i].closeExpiredSessions(1_000)),
    ]);
    expect(await snapshot()).toEqual(rows);
    expect(await audit()).toEqual(closedOnce);
    expect(a.logger.text('warn') + b.logger.text('warn')).not.toContain('sweep failed');
  });

  it('C4: one sweepOnce() closes a backlog larger than its batch of 1,000, and the sweep reports what it closed', async () => {
    const { sid } = await startSession(a.baseUrl, { playerTime: { ts: Date.now() } });
    // 1,102 more sessions like it (ids 1..1102), with their sessionStart, all idle for a minute.
    await a.db.query(
      `INSERT INTO sessions (key, id, report_suite, media_id, content_type, media_length, last_playhead)
       SELECT session_key(i.id), i.id, report_suite, media_id, content_type, media_length, last_playhead
         FROM sessions s, generate_series(1, 1102) AS g,
              LATERAL (SELECT decode(rpad(lpad(to_hex(g), 16, '0'), 64, '0'), 'hex') AS id) i
        WHERE s.id = decode($1, 'hex')`,
      [sid],
    );
    await a.db.query(
      `INSERT INTO session_params (session_key, params)
       SELECT s.key, p.params FROM sessions s, session_params p
        WHERE p.session_key = session_key(decode($1, 'hex')) AND s.key <> p.session_key`,
      [sid],
    );
    await a.db.query(
      `INSERT INTO events (session_key, day, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
       SELECT s.key, s.day, e.seq, event_type_code(e.event_type), e.ts, e.playhead, e.params, e.qoe_data,
              e.custom_metadata
         FROM session_events e, sessions s WHERE e.session_id = decode($1, 'hex') AND s.id <> e.session_id`,
      [sid],
    );
    await a.db.query(
      `UPDATE sessions SET created_at = now() - interval '60 seconds',
                           playhead_moved_at = now() - interval '60 seconds',
                           last_event_at = now() - interval '60 seconds'`,
    );
    const open = async () =>
      (
        await a.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM sessions WHERE closed_at IS NULL',
        )
      ).rows[0]?.n;
    expect(await open()).toBe(1_103);

    const repository = a.app.get(SessionsRepository);
    const closed = await repository.closeExpiredSessions(3);
    expect
      .soft(closed, 'closeExpiredSessions returns the reasons of what it closed')
      .toEqual(['idle', 'idle', 'idle']);
    expect(await open()).toBe(1_100);

    await a.app.get(SessionSweeper).sweepOnce();
    expect(await open(), 'sessions a single sweepOnce() left open').toBe(0);
    const { rows } = await a.db.query<{ reason: string; n: number }>(
      `SELECT close_reason AS reason, count(*)::int AS n FROM sessions
        WHERE closed_at = last_event_at + interval '2 seconds' GROUP BY 1`,
    );
    expect(rows).toEqual([{ reason: 'idle', n: 1_103 }]);
  });
});
