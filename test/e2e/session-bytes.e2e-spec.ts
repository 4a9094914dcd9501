import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, request, sessionIdFrom } from '../support/http.js';
import { storedEvents, storedSession } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';
/** A small cap, so that a handful of 2 KB events reach it. */
const MAX_BYTES = 10_000;
const filler = (n: number) => ({ 'x.filler': 'a'.repeat(n) });

async function bytesOf(db: pg.Pool, sid: string): Promise<number> {
  const { rows } = await db.query<{ stored_bytes: string }>(
    `SELECT stored_bytes FROM sessions WHERE id = decode($1, 'hex')`,
    [sid],
  );
  return Number(rows[0]?.stored_bytes);
}

describe('SESSION_MAX_BYTES (C3): a session stores at most so many bytes of event bodies', () => {
  const app = useTestApp({ SESSION_MAX_BYTES: String(MAX_BYTES) });

  async function start(): Promise<string> {
    const res = await post(app.baseUrl, SESSIONS, aSessionStart());
    expect(res.status).toBe(201);
    return sessionIdFrom(res);
  }

  it('C3: events that would pass the cap are 429 and stored nowhere; a sessionEnd is still taken', async () => {
    const sid = await start();
    const startBytes = await bytesOf(app.db, sid);
    expect(startBytes).toBeGreaterThan(64);
    const statuses: number[] = [];
    for (let i = 1; i <= 8; i += 1) {
      const res = await post(
        app.baseUrl,
        `${SESSIONS}/${sid}/events`,
        anEvent('play', {
          playerTime: { ts: 1_700_000_000_000 + i, playhead: i },
          params: filler(2_000),
        }),
      );
      statuses.push(res.status);
      if (res.status === 429) {
        const envelope = expectErrorEnvelope(res, 429);
        expect(envelope.message).toContain(`${MAX_BYTES} bytes`);
      }
    }
    // Each play stores its 2,000-character filler plus its JSON and the row's share: four fit.
    expect(statuses).toEqual([204, 204, 204, 204, 429, 429, 429, 429]);
    const held = await bytesOf(app.db, sid);
    expect(held).toBeLessThanOrEqual(MAX_BYTES);
    expect(held).toBeGreaterThan(MAX_BYTES - 2_200);
    expect((await storedEvents(app.db, sid)).length).toBe(5);

    const end = await post(
      app.baseUrl,
      `${SESSIONS}/${sid}/events`,
      anEvent('sessionEnd', { playerTime: { ts: 1_700_000_000_100, playhead: 9 } }),
    );
    expect(end.status).toBe(204);
    expect((await storedSession(app.db, sid))?.close_reason).toBe('end');
  });

  it('C3: one request of a batch over the cap does not cost the others their room', async () => {
    const [a, b] = [await start(), await start()];
    const sends = [a, b, a, b, a, b, a, b, a, b].map((sid, i) =>
      post(
        app.baseUrl,
        `${SESSIONS}/${sid}/events`,
        anEvent('play', {
          playerTime: { ts: 1_700_000_000_000 + i, playhead: i },
          params: filler(2_000),
        }),
      ),
    );
    const statuses = (await Promise.all(sends)).map((res) => res.status);
    // Five tries per session at once, of which four fit: exactly one 429 each.
    expect(statuses.filter((s) => s === 204)).toHaveLength(8);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    for (const sid of [a, b]) {
      expect(await bytesOf(app.db, sid)).toBeLessThanOrEqual(MAX_BYTES);
      expect((await storedEvents(app.db, sid)).length).toBe(5);
    }
  });

  it('C7: an offline session larger than the cap is 429 and nothing is stored', async () => {
    const body = [
      aSessionStart(),
      ...Array.from({ length: 6 }, (_, i) =>
        anEvent('play', {
          playerTime: { ts: 1_700_000_000_000 + i, playhead: i },
          params: filler(2_000),
        }),
      ),
      anEvent('sessionEnd', { playerTime: { ts: 1_700_000_000_010, playhead: 6 } }),
    ];
    const res = await post(app.baseUrl, '/api/v1/downloaded', body);
    expectErrorEnvelope(res, 429);
    const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
    expect(rows[0]?.n).toBe(0);
  });
});

describe('/health/ready fails while a table a write needs is locked (C6)', () => {
  const app = useTestApp();

  it('C6: 503 within its deadline while `events` is locked, 200 once the lock is gone', async () => {
    expect((await request(app.baseUrl, 'GET', '/health/ready')).status).toBe(200);
    const holder = await app.db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const locked = await request(app.baseUrl, 'GET', '/health/ready');
      const took = performance.now() - started;
      expect(locked.status).toBe(503);
      expect(took).toBeLessThan(2_500);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    // Ready again as soon as the probe after the lock has run (well within a second).
    const released = performance.now();
    let status = 0;
    while (status !== 200 && performance.now() - released < 3_000) {
      status = (await request(app.baseUrl, 'GET', '/health/ready')).status;
    }
    expect(status).toBe(200);
    expect(performance.now() - released).toBeLessThan(1_500);
  });
});
