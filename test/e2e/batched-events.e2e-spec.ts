import { describe, expect, it } from 'vitest';
import { SessionsRepository, type SessionEvent } from '../../src/sessions/sessions.repository.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, sessionIdFrom } from '../support/http.js';
import { storedEvents, storedSession } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const ping = (sessionId: string, ts: number, playhead = ts / 1000): SessionEvent => ({
  sessionId,
  eventType: 'ping',
  ts,
  playhead,
});

describe('events written in one batch', () => {
  const sut = useTestApp({ SESSION_MAX_EVENTS: '4' });

  async function startSession(): Promise<string> {
    return sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', aSessionStart()));
  }

  it('C3: a batch mixing valid, unknown, closed, duplicate and capped events answers each one correctly', async () => {
    const open = await startSession();
    const closed = await startSession();
    const full = await startSession();
    const eventsPath = (sid: string) => `/api/v1/sessions/${sid}/events`;
    expect(
      (await post(sut.baseUrl, eventsPath(open), anEvent('play', { playerTime: { ts: 1000 } })))
        .status,
    ).toBe(204);
    expect(
      (
        await post(
          sut.baseUrl,
          eventsPath(closed),
          anEvent('sessionEnd', { playerTime: { ts: 1000 } }),
        )
      ).status,
    ).toBe(204);
    for (const ts of [1000, 2000]) {
      expect(
        (await post(sut.baseUrl, eventsPath(full), anEvent('ping', { playerTime: { ts } }))).status,
      ).toBe(204);
    }
    const unknown = 'ab'.repeat(32);

    const { outcomes, sessionsEnded } = await sut.app.get(SessionsRepository).appendEvents([
      ping(open, 2000), // accepted
      ping(unknown, 2000), // no such session
      ping(closed, 2000), // closed by its sessionEnd
      { sessionId: open, eventType: 'play', ts: 1000, playhead: 0 }, // a retry of a stored event
      ping(open, 3000), // accepted
      ping(open, 3000), // the same event twice in one batch
      ping(full, 3000), // the 4th event: the cap's last place
      ping(full, 4000), // the 5th: over the cap
    ]);

    expect(outcomes).toEqual([
      'accepted',
      'unknown',
      'closed',
      'retry',
      'accepted',
      'retry',
      'accepted',
      'capped',
    ]);
    expect(sessionsEnded).toBe(0);
    expect((await storedEvents(sut.db, open)).map((e) => [e.seq, e.event_type, e.ts])).toEqual([
      [1, 'sessionStart', '1509045324153'],
      [2, 'play', '1000'],
      [3, 'ping', '2000'],
      [4, 'ping', '3000'],
    ]);
    expect((await storedSession(sut.db, open))?.event_count).toBe(4);
    expect(await storedEvents(sut.db, closed)).toHaveLength(2);
    expect((await storedEvents(sut.db, full)).map((e) => e.ts)).toEqual([
      '1509045324153',
      '1000',
      '2000',
      '3000',
    ]);
  });

  it('C3: a retry batched with new events of its session counts and moves nothing; the new ones are stored after it', async () => {
    const sid = await startSession();
    const play = { sessionId: sid, eventType: 'play', ts: 1000, playhead: 4 };
    const repository = sut.app.get(SessionsRepository);
    expect((await repository.appendEvents([play])).outcomes).toEqual(['accepted']);
    const before = await storedSession(sut.db, sid);

    const { outcomes } = await repository.appendEvents([
      ping(sid, 2000, 5),
      { ...play, eventType: 'pauseStart', ts: 3000, playhead: 6 },
      play, // last: were it applied, the playhead would end at 4
    ]);

    expect(outcomes).toEqual(['accepted', 'accepted', 'retry']);
    const after = await storedSession(sut.db, sid);
    expect(after?.event_count).toBe((before?.event_count ?? 0) + 2);
    expect(after?.last_playhead).toBe(6);
    expect((await storedEvents(sut.db, sid)).map((e) => [e.seq, e.event_type, e.playhead])).toEqual(
      [
        [1, 'sessionStart', 0],
        [2, 'play', 4],
        [3, 'ping', 5],
        [4, 'pauseStart', 6],
      ],
    );
  });

  it('C4: events batched after their session’s sessionEnd are 410 and not stored', async () => {
    const sid = await startSession();
    const { outcomes, sessionsEnded } = await sut.app
      .get(SessionsRepository)
      .appendEvents([
        ping(sid, 1000),
        { ...ping(sid, 2000), eventType: 'sessionEnd' },
        ping(sid, 3000),
      ]);
    expect(outcomes).toEqual(['accepted', 'accepted', 'closed']);
    expect(sessionsEnded).toBe(1);
    expect((await storedEvents(sut.db, sid)).map((e) => e.event_type)).toEqual([
      'sessionStart',
      'ping',
      'sessionEnd',
    ]);
  });

  it('C3: a session with room for only some of its batched events stores those and moves only with them; a sessionEnd past the cap is still taken', async () => {
    const sid = await startSession();
    const repository = sut.app.get(SessionsRepository);
    expect(
      (await repository.appendEvents([ping(sid, 1000, 1), ping(sid, 2000, 2)])).outcomes,
    ).toEqual(['accepted', 'accepted']);

    // One place left (cap 4): the ping takes it; the pause is 429; the sessionEnd is always taken.
    const { outcomes, sessionsEnded } = await repository.appendEvents([
      ping(sid, 3000, 3),
      { ...ping(sid, 4000, 99), eventType: 'pauseStart' },
      { ...ping(sid, 5000, 7), eventType: 'sessionEnd' },
    ]);

    expect(outcomes).toEqual(['accepted', 'capped', 'accepted']);
    expect(sessionsEnded).toBe(1);
    const session = await storedSession(sut.db, sid);
    expect(session?.event_count).toBe(5);
    expect(session?.last_playhead).toBe(7);
    expect(session?.close_reason).toBe('end');
    expect((await storedEvents(sut.db, sid)).map((e) => e.event_type)).toEqual([
      'sessionStart',
      'ping',
      'ping',
      'ping',
      'sessionEnd',
    ]);
  });

  it('C3: a sessionEnd is taken even when the session already holds more than the cap (the cap lowered since)', async () => {
    const sid = await startSession();
    await sut.db.query(`UPDATE sessions SET event_count = 9 WHERE id = decode($1, 'hex')`, [sid]);
    const { outcomes, sessionsEnded } = await sut.app
      .get(SessionsRepository)
      .appendEvents([ping(sid, 1000), { ...ping(sid, 2000), eventType: 'sessionEnd' }]);
    expect(outcomes).toEqual(['capped', 'accepted']);
    expect(sessionsEnded).toBe(1);
    expect((await storedSession(sut.db, sid))?.close_reason).toBe('end');
  });

  it('C5: retries batched with their session’s sessionEnd are counted before it closes', async () => {
    const sid = await startSession();
    const repository = sut.app.get(SessionsRepository);
    expect((await repository.appendEvents([ping(sid, 1000)])).outcomes).toEqual(['accepted']);
    const { outcomes } = await repository.appendEvents([
      ping(sid, 1000), // a retry of the stored ping: the session waits for the next round
      { ...ping(sid, 2000), eventType: 'sessionEnd' },
      { ...ping(sid, 2000), eventType: 'sessionEnd' }, // the same sessionEnd twice in the batch
    ]);
    expect(outcomes).toEqual(['retry', 'accepted', 'retry']);
    const { rows } = await sut.db.query<{ retries: number; close_reason: string }>(
      `SELECT retries, close_reason FROM sessions WHERE id = decode($1, 'hex')`,
      [sid],
    );
    expect(rows[0]).toEqual({ retries: 2, close_reason: 'end' });
  });

  it('C3: concurrent requests grouped into shared commits each get their own answer', async () => {
    const sessions = await Promise.all([startSession(), startSession(), startSession()]);
    const results = await Promise.all(
      sessions.flatMap((sid, i) =>
        [1, 2, 3].map((n) =>
          post(
            sut.baseUrl,
            `/api/v1/sessions/${sid}/events`,
            anEvent('ping', { playerTime: { ts: n * 1000 + i, playhead: n } }),
          ),
        ),
      ),
    );
    // Each session takes 3 events beside its start (cap 4): all 204.
    expect(results.map((r) => r.status)).toEqual(Array(9).fill(204));
    const more = await Promise.all(
      sessions.map((sid) =>
        post(
          sut.baseUrl,
          `/api/v1/sessions/${sid}/events`,
          anEvent('ping', { playerTime: { ts: 9000 } }),
        ),
      ),
    );
    expect(more.map((r) => r.status)).toEqual([429, 429, 429]);
  });
});
