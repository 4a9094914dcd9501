import http from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../../src/database/embedded-postgres.js';
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

interface Probe {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status?: number;
  readonly error?: string;
  readonly headers?: http.IncomingHttpHeaders;
  readonly body?: string;
}

/** GET /health/ready with a client timeout; a status or an error, never a throw. */
function probeReady(baseUrl: string, timeoutMs = 3_000): Promise<Probe> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const req = http.get(`${baseUrl}/health/ready`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          startedAt,
          endedAt: performance.now(),
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ startedAt, endedAt: performance.now(), error: error.code ?? error.message }),
    );
  });
}

/** What is wrong with a 503 answer against contract C6 (Retry-After, the envelope); [] if nothing. */
function problemsOf503(record: RequestRecord): string[] {
  const problems: string[] = [];
  const headers = record.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (typeof retryAfter !== 'string' || !/^(\d+|[A-Z][a-z]{2}, .+ GMT)$/.test(retryAfter.trim())) {
    problems.push(`Retry-After ${JSON.stringify(retryAfter)}`);
  }
  if (headers['access-control-allow-origin'] !== '*') problems.push('no CORS header');
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(record.body ?? '') as Record<string, unknown>;
  } catch {
    problems.push(`body is not JSON: ${JSON.stringify((record.body ?? '').slice(0, 100))}`);
  }
  if (body) {
    if (body.statusCode !== 503) problems.push(`statusCode ${JSON.stringify(body.statusCode)}`);
    if (typeof body.message !== 'string' || body.message.length === 0) problems.push('no message');
    if (typeof body.requestId !== 'string' || body.requestId.length === 0) {
      problems.push('no requestId');
    } else if (headers['x-request-id'] !== body.requestId) {
      problems.push('requestId differs from X-Request-Id');
    }
    const extra = Object.keys(body).filter(
      (k) => !['statusCode', 'message', 'errors', 'requestId'].includes(k),
    );
    if (extra.length > 0) problems.push(`unexpected members ${extra.join(', ')}`);
  }
  return problems;
}

/** The `error` (or message) of every error-level JSON line the service logged. */
function loggedErrors(output: string): string[] {
  const found: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; message?: unknown };
      if (entry.level !== 'error' && entry.level !== 'warn') continue;
      const message = entry.message as { error?: unknown } | string | undefined;
      const text =
        typeof message === 'object' && message && typeof message.error === 'string'
          ? message.error
          : JSON.stringify(message);
      found.push(`${entry.level}: ${text.slice(0, 160)}`);
    } catch {
      found.push(`unparsed: ${line.slice(0, 160)}`);
    }
  }
  return found;
}

/**
 * PostgreSQL goes away under load and comes back on the same data and port (contract C6): while
 * it is away the service answers 503 with Retry-After and the error envelope, never a 2xx for
 * something not stored and never a 500; readiness says so; and once the database is back the
 * service answers 2xx again within 5 s, without a restart.
 */
describe('faults: the database goes away under load and comes back', () => {
  let dir: string | undefined;
  let postgres: RunningPostgres | undefined;
  let service: ServiceProcess | undefined;
  let load: LoadDriver | undefined;
  let probing = false;
  afterAll(async () => {
    probing = false;
    await load?.stop();
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('C6: 503 + Retry-After while PostgreSQL is away, 2xx within 5 s of its return, nothing acknowledged is lost', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mca-faults-db-'));
    // PostgreSQL runs as its own user when the suite runs as root; it must reach its folder.
    await chmod(dir, 0o755);
    const pgLog: string[] = [];
    const pgOptions = {
      dataDir: join(dir, 'postgres'),
      database: 'media_faults_test',
      port: await freePort(),
      fsync: false,
      log: (line: string) => pgLog.push(line),
    };
    postgres = await startEmbeddedPostgres(pgOptions);
    const databaseUrl = postgres.url;
    service = await startServiceProcess(
      {
        DATABASE_URL: databaseUrl,
        RATE_LIMIT_PER_SECOND: '0',
        SESSION_STARTS_PER_SECOND: '0',
        REPORTS_API_TOKEN: 'faults-database-token-0123456789',
      },
      await freePort(),
    );
    const baseUrl = service.baseUrl;
    expect((await probeReady(baseUrl)).status).toBe(200);

    // Readiness is probed every 250 ms throughout.
    const probes: Probe[] = [];
    probing = true;
    const prober = (async () => {
      while (probing) {
        probes.push(await probeReady(baseUrl));
        await sleep(250);
      }
    })();

    load = new LoadDriver({ baseUrl, workers: 32, requestTimeoutMs: 20_000 });
    load.start();
    await sleep(3_000);

    // PostgreSQL goes away (fast shutdown: its sessions are ended) for ~5 s.
    const stopAt = performance.now();
    await postgres.stop();
    postgres = undefined;
    const downAt = performance.now();
    await sleep(5_000);
    const restartAt = performance.now();
    postgres = await startEmbeddedPostgres(pgOptions);
    const upAt = performance.now();
    expect(postgres.url).toBe(databaseUrl);

    // The load goes on for 8 s after the database is back.
    await sleep(8_000);
    await load.stop();
    probing = false;
    await prober;

    const records = load.records;
    const during = (from: number, to: number) =>
      records.filter((r) => r.startedAt >= from && r.endedAt <= to);
    const beforeOutage = records.filter((r) => r.endedAt < stopAt);
    const whileAway = during(downAt, restartAt);
    const firstTwoXxAfterUp = records
      .filter((r) => r.endedAt >= upAt && r.status !== undefined && r.status < 300)
      .sort((a, b) => a.endedAt - b.endedAt)[0];
    const recoveryMs = firstTwoXxAfterUp ? firstTwoXxAfterUp.endedAt - upAt : undefined;
    const settled = records.filter((r) => r.startedAt >= upAt + 5_000);
    const readyAway = probes.filter((p) => p.startedAt >= downAt && p.endedAt <= restartAt);
    const firstReadyAfterUp = probes
      .filter((p) => p.endedAt >= upAt && p.status === 200)
      .sort((a, b) => a.endedAt - b.endedAt)[0];
    const readyRecoveryMs = firstReadyAfterUp ? firstReadyAfterUp.endedAt - upAt : undefined;

    const all503 = records.filter((r) => r.status === 503);
    const bad503 = all503
      .map((r) => ({ r, problems: problemsOf503(r) }))
      .filter((x) => x.problems.length > 0);
    const non2xxNon503 = records.filter(
      (r) => r.status !== undefined && r.status >= 300 && r.status !== 503,
    );
    const networkErrors = records.filter((r) => r.status === undefined);
    const twoXxWhileAway = whileAway.filter((r) => r.status !== undefined && r.status < 300);

    const stored = await verifyStored(databaseUrl, load.acked);
    const summary = summarize(records, load.durationMs);
    printFigures('database away under load', {
      ...summary,
      acknowledged: summary.acknowledged,
      found: stored.found,
      lost: stored.lost,
      stored,
      count503: all503.length,
      otherNon2xx: countBy(non2xxNon503, outcomeOf),
      malformed503: bad503.length,
      malformed503Sample: bad503.slice(0, 3).map((x) => ({
        problems: x.problems,
        headers: x.r.headers,
        body: x.r.body,
      })),
      sample503: all503[0] ? { headers: all503[0].headers, body: all503[0].body } : undefined,
      sampleOtherNon2xx: non2xxNon503
        .slice(0, 3)
        .map((r) => ({ status: r.status, headers: r.headers, body: r.body })),
      phases: {
        beforeOutage: countBy(beforeOutage, outcomeOf),
        whileAway: countBy(whileAway, outcomeOf),
        firstFiveSecondsBack: countBy(
          records.filter((r) => r.startedAt >= upAt && r.startedAt < upAt + 5_000),
          outcomeOf,
        ),
        settled: countBy(settled, outcomeOf),
      },
      readiness: {
        whileAway: countBy(readyAway, (p) => String(p.status ?? p.error)),
        all: countBy(probes, (p) => String(p.status ?? p.error)),
        recoveryMs: readyRecoveryMs === undefined ? null : round(readyRecoveryMs),
        sampleWhileAway: readyAway[0]
          ? { status: readyAway[0].status, headers: readyAway[0].headers, body: readyAway[0].body }
          : undefined,
      },
      timings: {
        postgresStopMs: round(downAt - stopAt),
        awayMs: round(restartAt - downAt),
        postgresStartMs: round(upAt - restartAt),
        recoveryMs: recoveryMs === undefined ? null : round(recoveryMs),
      },
      serviceErrorsLogged: countBy(loggedErrors(service.output()), (e) => e),
      postgresLog: pgLog.slice(0, 3),
    });

    // The outage was seen under load.
    expect
      .soft(beforeOutage.filter((r) => r.status !== undefined && r.status < 300).length)
      .toBeGreaterThan(100);
    expect.soft(whileAway.length).toBeGreaterThan(0);
    // While away: 503 only, each with Retry-After and the C6 envelope; never a 2xx, a 500 or a reset.
    expect.soft(countBy(whileAway, outcomeOf)).toEqual({ 503: whileAway.length });
    expect.soft(twoXxWhileAway).toEqual([]);
    expect.soft(all503.length).toBeGreaterThan(0);
    expect.soft(bad503.slice(0, 3).map((x) => x.problems)).toEqual([]);
    expect.soft(countBy(non2xxNon503, outcomeOf)).toEqual({});
    expect.soft(countBy(networkErrors, outcomeOf)).toEqual({});
    // Readiness reports the outage.
    expect.soft(readyAway.length).toBeGreaterThan(0);
    expect
      .soft(countBy(readyAway, (p) => String(p.status ?? p.error)))
      .toEqual({ 503: readyAway.length });
    // Back within 5 s, without a restart; then 2xx only; readiness 200 again.
    expect.soft(recoveryMs ?? Infinity).toBeLessThanOrEqual(5_000);
    expect.soft(settled.length).toBeGreaterThan(0);
    expect
      .soft(Object.keys(countBy(settled, outcomeOf)).filter((s) => s !== '201' && s !== '204'))
      .toEqual([]);
    expect.soft(readyRecoveryMs ?? Infinity).toBeLessThanOrEqual(5_000);
    expect.soft((await probeReady(baseUrl)).status).toBe(200);
    // Every 2xx was stored.
    expect.soft(stored.lostSample).toEqual([]);
    expect.soft(stored.lost).toBe(0);

    service.child.kill('SIGTERM');
    expect.soft(await service.exited).toBe(0);
  });
});
