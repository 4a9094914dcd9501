import { afterAll, describe, expect, it } from 'vitest';
import { dayNumber } from '../../src/sessions/storage-days.js';
import { StorageKeeper } from '../../src/sessions/storage-keeper.js';
import { SessionsRepository } from '../../src/sessions/sessions.repository.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, request, sessionIdFrom } from '../support/http.js';
import { storedEvents } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const TOKEN = 'e2e-storage-token-0123456789';
const DAY_MS = 86_400_000;

describe('retention: event partitions dropped after their reports, sessions after theirs', () => {
  const sut = useTestApp({
    REPORTS_API_TOKEN: TOKEN,
    REPORTS_INTERVAL_MS: '100',
    EVENTS_RETENTION_DAYS: '30',
    REPORTS_RETENTION_DAYS: '400',
  });
  const keeper = () => sut.app.get(StorageKeeper);
  const report = (sid: string) =>
    request(sut.baseUrl, 'GET', `/api/v1/reports/sessions/${sid}`, {
      authorization: `Bearer ${TOKEN}`,
    });

  // Later files need today's partition again.
  afterAll(async () => {
    await keeper().keep(new Date());
  });

  async function reportedAfter(sid: string, ms: number): Promise<boolean> {
    for (const until = Date.now() + ms; Date.now() < until;) {
      const { rows } = await sut.db.query<{ reported: boolean }>(
        `SELECT reported_at IS NOT NULL AS reported FROM sessions WHERE id = decode($1, 'hex')`,
        [sid],
      );
      if (rows[0]?.reported) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  it('makes the partitions of the week ahead, keeps a day whose session has no report, then drops it and serves the stored report', async () => {
    const today = dayNumber(new Date());
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', aSessionStart()));
    const events = `/api/v1/sessions/${sid}/events`;
    const send = async (type: string, ts: number, playhead: number) =>
      (await post(sut.baseUrl, events, anEvent(type, { playerTime: { ts, playhead } }))).status;
    expect(await send('play', 2_000, 0)).toBe(204);
    expect(await send('ping', 12_000, 10)).toBe(204);

    // 40 days on, the session still open: its day is past EVENTS_RETENTION_DAYS but kept.
    const later = new Date(Date.now() + 40 * DAY_MS);
    const open = await keeper().keep(later);
    expect(open.daysKept).toContain(today);
    expect(open.daysDropped).not.toContain(today);
    expect(await sut.app.get(SessionsRepository).eventDays()).toContain(dayNumber(later) + 7);
    expect(await storedEvents(sut.db, sid)).toHaveLength(3);

    expect(await send('sessionEnd', 13_000, 11)).toBe(204);
    expect(await reportedAfter(sid, 5_000)).toBe(true);
    const stored = await report(sid);
    expect(stored.status).toBe(200);

    const reported = await keeper().keep(later);
    expect(reported.daysDropped).toContain(today);
    expect(await sut.app.get(SessionsRepository).eventDays()).not.toContain(today);
    expect(await storedEvents(sut.db, sid)).toEqual([]);
    const served = await report(sid);
    expect(served.status).toBe(200);
    expect(served.json()).toEqual(stored.json());
    // An event to it now, whose day's partition is gone, is answered as for any closed session
    // (410), not with a failure.
    expect(await send('ping', 14_000, 12)).toBe(410);

    // Past REPORTS_RETENTION_DAYS the session, its params and its report go too.
    const kept = `SELECT (SELECT count(*) FROM session_params)::int AS params,
                         (SELECT count(*) FROM session_reports)::int AS reports`;
    expect((await sut.db.query(kept)).rows).toEqual([{ params: 1, reports: 1 }]);
    const gone = await keeper().keep(new Date(Date.now() + 401 * DAY_MS));
    expect(gone.sessionsDeleted).toBe(1);
    expect((await report(sid)).status).toBe(404);
    expect((await sut.db.query(kept)).rows).toEqual([{ params: 0, reports: 0 }]);
  });

  it('a second instance making the same partitions at once is no failure', async () => {
    const repository = sut.app.get(SessionsRepository);
    const far = dayNumber(new Date()) + 3_000;
    const made = await Promise.all([
      repository.createEventPartitions(far, far + 3),
      repository.createEventPartitions(far, far + 3),
    ]);
    expect(made.sort()).toEqual([0, 4]);
    expect(await repository.eventDays()).toEqual(
      expect.arrayContaining([far, far + 1, far + 2, far + 3]),
    );
  });
});
