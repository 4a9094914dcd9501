import { describe, expect, it } from 'vitest';
import { ReportsPool } from '../../src/database/reports-pool.js';
import { ReportsRepository } from '../../src/reports/reports.repository.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, sessionIdFrom } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

const LEASE_MS = 60_000;

describe('C9: a report claim is one worker’s until its lease ends or the worker lets it go', () => {
  // The timer waits an hour: the test claims by hand, as two workers would.
  const sut = useTestApp({ REPORTS_INTERVAL_MS: '3600000' });
  const claim = (retried: boolean, exclude: string[] = []) =>
    sut.app
      .get(ReportsPool)
      .withConnection(undefined, (db) =>
        sut.app.get(ReportsRepository).claimForReport(db, retried, 10, LEASE_MS, exclude),
      );
  const repository = () => sut.app.get(ReportsRepository);
  const onPool = <T>(work: Parameters<ReportsPool['withConnection']>[1]) =>
    sut.app.get(ReportsPool).withConnection(undefined, work) as Promise<T>;

  async function endedSession(): Promise<string> {
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', aSessionStart()));
    const end = anEvent('sessionEnd', { playerTime: { ts: 2000, playhead: 1 } });
    expect((await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, end)).status).toBe(204);
    return sid;
  }

  it('a claimed session is not claimed again, fresh or retried, while its lease runs; released, it is', async () => {
    const sid = await endedSession();
    const first = await claim(false);
    expect(first.map((s) => [s.sessionId, s.attempts])).toEqual([[sid, 1]]);
    expect(await claim(false)).toEqual([]);
    expect(await claim(true)).toEqual([]);

    await onPool((db) => repository().releaseClaims(db, [sid]));
    const again = await claim(true);
    expect(again.map((s) => [s.sessionId, s.attempts])).toEqual([[sid, 2]]);
    // Excluded sessions stay where they are.
    await onPool((db) => repository().releaseClaims(db, [sid]));
    expect(await claim(true, [sid])).toEqual([]);
  });

  it('a lease past its time is taken by the next claim; a refund gives the attempt back and ends the claim', async () => {
    const sid = await endedSession();
    expect((await claim(false)).map((s) => s.attempts)).toEqual([1]);
    // The worker that claimed it stopped without a word: its lease ran out a second ago.
    await sut.db.query(
      `UPDATE sessions SET report_claimed_at = now() - $1 * interval '1 millisecond' - interval '1 second'`,
      [LEASE_MS],
    );
    expect((await claim(true)).map((s) => [s.sessionId, s.attempts])).toEqual([[sid, 2]]);
    await onPool((db) => repository().refundAttempts(db, [sid]));
    const { rows } = await sut.db.query<{ attempts: number; claimed: boolean }>(
      `SELECT report_attempts AS attempts, report_claimed_at IS NOT NULL AS claimed FROM sessions`,
    );
    expect(rows).toEqual([{ attempts: 1, claimed: false }]);
  });

  it('of two claims racing for the same sessions, each session goes to one of them', async () => {
    const sids = await Promise.all(Array.from({ length: 8 }, () => endedSession()));
    const [a, b] = await Promise.all([claim(false), claim(false)]);
    const taken = [...a, ...b].map((s) => s.sessionId).sort();
    expect(taken).toEqual([...sids].sort());
    expect([...a, ...b].every((s) => s.attempts === 1)).toBe(true);
  });
});
