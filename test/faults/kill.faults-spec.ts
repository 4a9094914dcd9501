import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { faultsDatabaseUrl } from '../support/faults-database.js';
import { anEvent } from '../support/factories.js';
import {
  LoadDriver,
  allAcked,
  printFigures,
  round,
  sleep,
  summarize,
  truncateTables,
  verifyStored,
} from '../support/fault-load.js';
import { post } from '../support/http.js';
import { type ServiceProcess, freePort, startServiceProcess } from '../support/service-process.js';

/**
 * kill -9 under load (contract C2, C3: a 201 or a 204 is sent only after the commit that holds
 * it). Whatever the service acknowledged before it died is in the database after a restart, and
 * the restarted service takes load again.
 */
describe('faults: SIGKILL of the service under load', () => {
  const started: ServiceProcess[] = [];
  const drivers: LoadDriver[] = [];
  afterAll(async () => {
    for (const driver of drivers) await driver.stop();
    for (const service of started) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
    }
  });

  it('C2, C3: every 201/204 sent before a SIGKILL is stored; the restarted service takes load', async () => {
    const databaseUrl = faultsDatabaseUrl();
    const port = await freePort();
    const env = {
      DATABASE_URL: databaseUrl,
      RATE_LIMIT_PER_SECOND: '0',
      SESSION_STARTS_PER_SECOND: '0',
      REPORTS_API_TOKEN: 'faults-kill-token-0123456789',
    };

    const bootStart = performance.now();
    const first = await startServiceProcess(env, port);
    started.push(first);
    const firstBootMs = performance.now() - bootStart;
    await truncateTables(databaseUrl);

    // Phase 1: load, then SIGKILL in the middle of it.
    const before = new LoadDriver({ baseUrl: first.baseUrl, workers: 32 });
    drivers.push(before);
    before.start();
    await sleep(3_000);
    const killedAt = performance.now();
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const deadAt = performance.now();
    await before.stop();
    const inFlightAtKill = before.records.filter(
      (r) => r.startedAt <= killedAt && r.endedAt >= killedAt,
    );
    const answeredAfterDeath = before.records.filter(
      (r) => r.status !== undefined && r.endedAt > deadAt,
    );

    // Phase 2: restart on the same database and port; load again.
    const restartStart = performance.now();
    const second = await startServiceProcess(env, port);
    started.push(second);
    const restartMs = performance.now() - restartStart;

    // Sessions started before the kill take events after the restart.
    const oldSessions = before.acked.sessions.slice(0, 10);
    const resumed = await Promise.all(
      oldSessions.map((s, i) =>
        post(
          second.baseUrl,
          `/api/v1/sessions/${s.sid}/events`,
          anEvent('ping', { playerTime: { playhead: 1, ts: Date.now() + 1_000_000 + i } }),
        ),
      ),
    );

    const after = new LoadDriver({ baseUrl: second.baseUrl, workers: 32 });
    drivers.push(after);
    after.start();
    await sleep(2_000);
    await after.stop();
    second.child.kill('SIGTERM');
    const secondExit = await second.exited;

    const beforeCheck = await verifyStored(databaseUrl, before.acked);
    const overall = await verifyStored(databaseUrl, allAcked(before, after));
    const beforeSummary = summarize(before.records, before.durationMs);
    const afterSummary = summarize(after.records, after.durationMs);

    printFigures('kill -9 under load', {
      beforeKill: {
        ...beforeSummary,
        requestsInFlightAtKill: inFlightAtKill.length,
        answeredAfterTheProcessDied: answeredAfterDeath.length,
      },
      storedAfterRestart: beforeCheck,
      resumedOldSessions: resumed.map((r) => r.status),
      afterRestart: afterSummary,
      storedOverall: overall,
      timings: {
        firstBootMs: round(firstBootMs),
        killToExitMs: round(deadAt - killedAt),
        restartMs: round(restartMs),
      },
      secondExit,
    });

    // The kill came mid-load: a lot was acknowledged, and requests were in flight.
    expect(before.acked.sessions.length + before.acked.events.length).toBeGreaterThan(100);
    expect(inFlightAtKill.length).toBeGreaterThan(0);
    // Nothing acknowledged before the kill is missing.
    expect(beforeCheck.lostSample).toEqual([]);
    expect(beforeCheck.lost).toBe(0);
    // Before the kill the service answered only 2xx.
    expect(Object.keys(beforeSummary.statuses).filter((s) => s !== '201' && s !== '204')).toEqual(
      [],
    );

    // The restarted service takes load: 2xx only, sessions from before the kill included.
    expect(resumed.map((r) => r.status)).toEqual(oldSessions.map(() => 204));
    expect(afterSummary.acknowledged.sessions).toBeGreaterThan(0);
    expect(afterSummary.acknowledged.events).toBeGreaterThan(0);
    expect(Object.keys(afterSummary.statuses).filter((s) => s !== '201' && s !== '204')).toEqual(
      [],
    );
    expect(afterSummary.errorsByCode).toEqual({});
    expect(overall.lost).toBe(0);
    expect(secondExit).toBe(0);
  });
});
