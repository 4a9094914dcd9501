import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { request } from '../support/http.js';
import { sleep, startSession } from '../support/lifecycle.js';
import { parseSamples, Scrape } from '../support/prometheus-text.js';
import { useTestApp } from '../support/test-app.js';

const REFRESH_MS = 200;
/** What a loaded machine may add to a refresh or a scrape. */
const SLACK_MS = 300;
const HOUR_MS = '3600000';

/** Scrapes until `mca_sessions_open` shows `expected`; how long that took, in ms. */
async function untilOpenSessions(baseUrl: string, expected: number, withinMs: number) {
  const started = performance.now();
  let seen: number | undefined;
  while (performance.now() - started < withinMs) {
    seen = (await Scrape.of(baseUrl)).value('mca_sessions_open');
    if (seen === expected) return performance.now() - started;
    await sleep(20);
  }
  throw new Error(`mca_sessions_open still ${seen} after ${withinMs} ms, expected ${expected}`);
}

/** One timed scrape: status, time, and the two database-derived gauges. */
async function timedScrape(baseUrl: string) {
  const started = performance.now();
  const res = await request(baseUrl, 'GET', '/metrics');
  const ms = performance.now() - started;
  const samples = parseSamples(res.text);
  const value = (name: string) => samples.find((s) => s.name === name)?.value;
  return {
    status: res.status,
    ms,
    open: value('mca_sessions_open'),
    age: value('mca_db_gauges_age_seconds'),
  };
}

describe('C8: database-derived gauges are read in the background, never by a scrape', () => {
  // No background sweep: it would queue behind the lock below too.
  const sut = useTestApp({
    METRICS_REFRESH_INTERVAL_MS: String(REFRESH_MS),
    SESSION_SWEEP_INTERVAL_MS: HOUR_MS,
  });

  it('C8: mca_sessions_open follows new sessions within a refresh interval, and its age stays under it', async () => {
    await untilOpenSessions(sut.baseUrl, 0, 10 * REFRESH_MS);
    await Promise.all([1, 2, 3].map(() => startSession(sut.baseUrl)));
    const tookMs = await untilOpenSessions(sut.baseUrl, 3, 10 * REFRESH_MS);
    // A refresh starts at most one interval after the sessions were stored, and takes a few ms.
    expect(tookMs).toBeLessThan(REFRESH_MS + SLACK_MS);
    const age = (await Scrape.of(sut.baseUrl)).value('mca_db_gauges_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan((REFRESH_MS + SLACK_MS) / 1_000);
  });

  it('C8: with the sessions table locked, scrapes answer at once with the last count while its age grows; the count resumes after', async () => {
    await Promise.all([1, 2].map(() => startSession(sut.baseUrl)));
    await untilOpenSessions(sut.baseUrl, 2, 10 * REFRESH_MS);

    const locker = new pg.Client({ connectionString: inject('databaseUrl') });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      const lockedAt = performance.now();
      // The lock holds: a count from anywhere else waits for it.
      const probe = new pg.Client({ connectionString: inject('databaseUrl') });
      await probe.connect();
      await probe.query('SET statement_timeout = 300');
      await expect(
        probe.query('SELECT count(*) FROM sessions WHERE closed_at IS NULL'),
      ).rejects.toThrow(/statement timeout/);
      await probe.end();

      const scrapes: Array<Awaited<ReturnType<typeof timedScrape>>> = [];
      while (performance.now() - lockedAt < 1_500) {
        scrapes.push(await timedScrape(sut.baseUrl));
        await sleep(50);
      }
      const heldMs = performance.now() - lockedAt;
      expect(scrapes.length).toBeGreaterThan(10);
      expect(scrapes.map((s) => s.status)).toEqual(scrapes.map(() => 200));
      expect(scrapes.map((s) => s.open)).toEqual(scrapes.map(() => 2));
      // A scrape that queried would wait for the lock (or time out, as the old one did after 1 s).
      expect(Math.max(...scrapes.map((s) => s.ms))).toBeLessThan(500);
      const ages = scrapes.map((s) => s.age!);
      expect(ages).toEqual([...ages].sort((a, b) => a - b));
      expect(ages.at(-1)).toBeGreaterThan((heldMs - SLACK_MS) / 1_000);

      await locker.query('COMMIT');
      await startSession(sut.baseUrl);
      await untilOpenSessions(sut.baseUrl, 3, 10 * REFRESH_MS);
      expect((await timedScrape(sut.baseUrl)).age).toBeLessThan((REFRESH_MS + SLACK_MS) / 1_000);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });
});
