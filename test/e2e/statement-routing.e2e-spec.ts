import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqlConnection } from '../../src/database/sql-connection.js';
import { SqlPool } from '../../src/database/sql-pool.js';
import { StatementRouting } from '../../src/database/statement-routing.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, sessionIdFrom } from '../support/http.js';
import { scratchDatabase } from '../support/scratch-database.js';
import { type TestApp, startTestApp } from '../support/test-app.js';

/** The names of the prepared statements the service ran while `work` ran. */
async function statementsDuring(app: TestApp, work: () => Promise<void>): Promise<string[]> {
  // On the pool, and on the connection a transaction holds.
  const spies = [
    vi.spyOn(app.app.get(SqlPool), 'preparedRows'),
    vi.spyOn(SqlConnection.prototype, 'preparedRows'),
  ];
  try {
    await work();
    return spies.flatMap((spy) => spy.mock.calls.map(([name]) => name));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** What the app found at start. */
function routingOf(app: TestApp): { distributed: boolean; perSession: boolean } {
  const { distributed, perSession } = app.app.get(StatementRouting);
  return { distributed, perSession };
}

/** Three sessions started, then one event each, sent at once (one write batch). */
async function playThree(app: TestApp): Promise<string[]> {
  const sids = await Promise.all(
    [1, 2, 3].map(async () =>
      sessionIdFrom(await post(app.baseUrl, '/api/v1/sessions', aSessionStart())),
    ),
  );
  const answers = await Promise.all(
    sids.map((sid) =>
      post(
        app.baseUrl,
        `/api/v1/sessions/${sid}/events`,
        anEvent('play', { playerTime: { ts: 1000, playhead: 0 } }),
      ),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
  return sids;
}

describe('statement routing: batched on one server, one session per statement where distributed', () => {
  const scratch = scratchDatabase('routing');
  let db: pg.Client;

  beforeAll(async () => {
    await scratch.create();
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await scratch.drop();
  });

  it('on one server, auto appends the events of many sessions in one statement', async () => {
    const app = await startTestApp({ DATABASE_URL: scratch.url, SESSION_STATEMENTS: 'auto' });
    try {
      expect(routingOf(app)).toEqual({ distributed: false, perSession: false });
      const names = await statementsDuring(app, async () => void (await playThree(app)));
      expect(names.some((n) => n.startsWith('append-many-'))).toBe(true);
      expect(names.some((n) => n.startsWith('append-one-'))).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('where sessions is distributed (a Citus catalog says so), auto writes one session per statement, with the same outcomes', async () => {
    // Citus's catalog, as far as the service reads it: the tables it distributes.
    await db.query(`CREATE TABLE pg_dist_partition (logicalrelid regclass NOT NULL)`);
    await db.query(`INSERT INTO pg_dist_partition VALUES ('sessions'), ('events')`);
    const app = await startTestApp({ DATABASE_URL: scratch.url, SESSION_STATEMENTS: 'auto' });
    try {
      expect(routingOf(app)).toEqual({ distributed: true, perSession: true });
      let sids: string[] = [];
      const names = await statementsDuring(app, async () => {
        sids = await playThree(app);
      });
      expect(names.filter((n) => n.startsWith('append-one-'))).toHaveLength(3);
      expect(names.filter((n) => n === 'append-session-events-rows')).toHaveLength(3);
      expect(names.some((n) => n.startsWith('append-many-'))).toBe(false);
      const stored = await db.query<{ sid: string; types: string[]; count: number }>(
        `SELECT encode(session_id, 'hex') AS sid, array_agg(event_type ORDER BY seq) AS types,
                (SELECT event_count FROM sessions WHERE id = session_id) AS count
           FROM session_events WHERE session_id = ANY($1::bytea[]) GROUP BY session_id`,
        [sids.map((sid) => Buffer.from(sid, 'hex'))],
      );
      expect(stored.rows.map((r) => [r.types, r.count])).toEqual(
        sids.map(() => [['sessionStart', 'play'], 2]),
      );
      // A retry of a stored event, and an event for an unknown session, answered as on one server.
      const retry = await post(
        app.baseUrl,
        `/api/v1/sessions/${sids[0]}/events`,
        anEvent('play', { playerTime: { ts: 1000, playhead: 0 } }),
      );
      expect(retry.status).toBe(204);
      const unknown = await post(
        app.baseUrl,
        `/api/v1/sessions/${'ab'.repeat(32)}/events`,
        anEvent('ping', { playerTime: { ts: 2000, playhead: 1 } }),
      );
      expect(unknown.status).toBe(404);
      const [{ events }] = (
        await db.query<{ events: number }>(
          `SELECT count(*)::int AS events FROM session_events WHERE session_id = $1`,
          [Buffer.from(sids[0], 'hex')],
        )
      ).rows;
      expect(events).toBe(2);
    } finally {
      await app.close();
    }
  });
});
