import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { faultsDatabaseUrl } from '../support/faults-database.js';
import {
  LoadDriver,
  type RequestRecord,
  countBy,
  outcomeOf,
  printFigures,
  round,
  sleep,
  summarize,
  verifyStored,
} from '../support/fault-load.js';
import { type ServiceProcess, freePort, startServiceProcess } from '../support/service-process.js';

/** Why an outcome breaks a graceful stop, or undefined when it is acceptable. */
function drainProblem(record: RequestRecord): string | undefined {
  if (record.status !== undefined) {
    if (record.status >= 200 && record.status < 300) return undefined;
    if (record.status === 503 && /\bclose\b/i.test(String(record.headers?.connection ?? ''))) {
      return undefined;
    }
    return `status ${record.status} (Connection: ${String(record.headers?.connection)})`;
  }
  // A new connection refused once the server stopped listening is fine; nothing else is.
  if (record.error === 'ECONNREFUSED' && !record.connected) return undefined;
  return (
    `${record.error}${record.errorMessage ? ` (${record.errorMessage})` : ''}` +
    (record.connected
      ? record.reusedSocket
        ? ' on a reused keep-alive connection'
        : ' on a new, established connection'
      : ' before connecting')
  );
}

/**
 * SIGTERM under load (README "Running it": closes the HTTP server, finishes the requests in
 * flight, closes the pool and exits 0). Every request the service took gets a whole answer, a 2xx
 * (stored) or a 503 with `Connection: close`; no connection is reset under a request.
 */
describe('faults: SIGTERM under load', () => {
  let service: ServiceProcess | undefined;
  let load: LoadDriver | undefined;
  afterAll(async () => {
    await load?.stop();
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  });

  it('C6: a SIGTERM mid-load drains, answers every request it took, stores every 2xx, closes the pool and exits 0 within 10 s', async () => {
    const databaseUrl = faultsDatabaseUrl();
    service = await startServiceProcess(
      {
        DATABASE_URL: databaseUrl,
        RATE_LIMIT_PER_SECOND: '0',
        SESSION_STARTS_PER_SECOND: '0',
        REPORTS_API_TOKEN: 'faults-sigterm-token-0123456789',
      },
      await freePort(),
    );
    const outputBefore = service.output().length;

    load = new LoadDriver({ baseUrl: service.baseUrl, workers: 32 });
    load.start();
    await sleep(3_000);

    const termAt = performance.now();
    service.child.kill('SIGTERM');
    const exit = await Promise.race([
      service.exited,
      sleep(10_000).then(() => 'still running 10 s after SIGTERM'),
    ]);
    const exitAt = performance.now();
    if (exit === 'still running 10 s after SIGTERM') {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    // A moment more of load: new connections are now refused.
    await sleep(1_000);
    await load.stop();

    const records = load.records;
    const beforeTerm = records.filter((r) => r.endedAt < termAt);
    const inFlightAtTerm = records.filter((r) => r.startedAt <= termAt && r.endedAt >= termAt);
    const duringStop = records.filter((r) => r.endedAt >= termAt && r.endedAt <= exitAt);
    const afterExit = records.filter((r) => r.endedAt > exitAt);
    const problems = records
      .map((r) => ({ r, problem: drainProblem(r) }))
      .filter((x): x is { r: RequestRecord; problem: string } => x.problem !== undefined);
    const twoXxAfterTerm = records.filter(
      (r) => r.endedAt >= termAt && r.status !== undefined && r.status < 300,
    );

    const stored = await verifyStored(databaseUrl, load.acked);
    const output = service.output().slice(outputBefore);
    const lines = output.split('\n').filter((l) => l.trim().length > 0);
    const sigtermLine = lines.findIndex((l) => l.includes('SIGTERM'));
    const stopLines = lines.slice(Math.max(0, sigtermLine)).map((l) => l.slice(0, 300));

    printFigures('SIGTERM under load', {
      ...summarize(records, load.durationMs),
      found: stored.found,
      lost: stored.lost,
      stored,
      exit,
      exitMs: round(exitAt - termAt),
      outcomes: {
        beforeSigterm: countBy(beforeTerm, outcomeOf),
        inFlightAtSigterm: countBy(inFlightAtTerm, outcomeOf),
        betweenSigtermAndExit: countBy(duringStop, outcomeOf),
        afterExit: countBy(afterExit, outcomeOf),
        twoXxAnsweredAfterSigterm: twoXxAfterTerm.length,
        connectionCloseOn2xxAfterSigterm: twoXxAfterTerm.filter((r) =>
          /\bclose\b/i.test(String(r.headers?.connection ?? '')),
        ).length,
      },
      unacceptable: countBy(problems, (x) => x.problem),
      unacceptableSample: problems.slice(0, 5).map(({ r }) => ({
        kind: r.kind,
        worker: r.worker,
        connection: r.connection,
        reusedSocket: r.reusedSocket,
        connected: r.connected,
        responseStarted: r.responseStarted,
        msAfterSigterm: round(r.endedAt - termAt),
        outcome: outcomeOf(r),
        errorMessage: r.errorMessage,
        headers: r.headers,
        body: r.body,
      })),
      serviceOutputFromSigterm: stopLines,
    });

    // The stop came mid-load.
    expect(
      beforeTerm.filter((r) => r.status !== undefined && r.status < 300).length,
    ).toBeGreaterThan(100);
    expect(inFlightAtTerm.length).toBeGreaterThan(0);
    // Exit 0 within 10 s.
    expect.soft(exit).toBe(0);
    expect.soft(exitAt - termAt).toBeLessThanOrEqual(10_000);
    // Every request the service took got a whole answer: 2xx, or 503 with Connection: close;
    // no reset on an established connection (a refused new connection is fine).
    expect.soft(countBy(problems, (x) => x.problem)).toEqual({});
    // Every 2xx is stored.
    expect.soft(stored.lostSample).toEqual([]);
    expect.soft(stored.lost).toBe(0);
    // It says that it closed the pool.
    expect
      .soft(stopLines.some((l) => /pool/i.test(l) && /(clos|end|drain|destroy)/i.test(l)))
      .toBe(true);
  });
});
