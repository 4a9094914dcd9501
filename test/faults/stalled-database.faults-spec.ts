import http from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../../src/database/embedded-postgres.js';
import {
  KeepAliveClient,
  c6Problems,
  forEachConcurrently,
  rssKiB,
  stopService,
} from '../support/fault-client.js';
import {
  LoadDriver,
  type RequestRecord,
  countBy,
  loadBody,
  outcomeOf,
  percentile,
  printFigures,
  round,
  sleep,
  summarize,
  verifyStored,
} from '../support/fault-load.js';
import { ImpatientPlayers } from '../support/impatient-players.js';
import { type ServiceProcess, freePort, startServiceProcess } from '../support/service-process.js';
import { StallingProxy } from '../support/stalling-proxy.js';

/**
 * A database that goes silent without going away (contract C6): the connection to PostgreSQL is
 * stalled — open, no FIN, no RST, no byte either way — and then a table lock holds every write,
 * each under 64 clients that wait for their answers and 64 players that ping on their own clock
 * (without those, at most 64 requests could ever be waiting, and memory could not tell a bounded
 * service from an unbounded one). Each request is answered within REQUEST_DEADLINE_MS (503 +
 * Retry-After in the C6 envelope), memory stays bounded, readiness says so, the service recovers
 * on its own when the database answers again, nothing acknowledged is lost, and a 503's retry is
 * harmless (C3).
 */

const REQUEST_DEADLINE_MS = 2_000;
/** Event-loop noise of a busy 2-CPU machine on top of the deadline. */
const ANSWER_MARGIN_MS = 1_500;
const ANSWER_BOUND_MS = REQUEST_DEADLINE_MS + ANSWER_MARGIN_MS;
const WORKERS = 64;
/** Players pinging on their own clock (8 pings/s each), giving up on a ping after a while. */
const IMPATIENT_PLAYERS = 64;
const IMPATIENT_EVERY_MS = 125;
const IMPATIENT_GIVE_UP_MS = ANSWER_BOUND_MS + 1_000;
const IMPATIENT_PADDING_CHARS = 8_000;
/** Small, so that a full queue is part of the scenario. */
const WRITE_QUEUE_LIMIT = 256;
const STALL_MS = 20_000;
const LOCK_MS = 12_000;
const RSS_GROWTH_BOUND_MIB = 150;
const RECOVERY_BOUND_MS = 5_000;
/** From this long after the database answers again, every request succeeds. */
const SETTLED_AFTER_MS = 4_000;
/** Long enough that a hang is measured as a latency rather than cut off by the client. */
const CLIENT_TIMEOUT_MS = 25_000;
const RETRIES_AT_MOST = 400;

interface Probe {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status?: number;
  readonly error?: string;
}

interface RssSample {
  readonly at: number;
  readonly kib: number;
}

/** GET /health/ready on a fresh connection; a status or an error, never a throw. */
function probeReady(baseUrl: string, timeoutMs = 10_000): Promise<Probe> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const req = http.get(`${baseUrl}/health/ready`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ startedAt, endedAt: performance.now(), status: res.statusCode ?? 0 }),
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

/** Repeats `step` every `everyMs` until stopped; the samples so far are always readable. */
class Sampler<T> {
  readonly samples: T[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(step: () => Promise<T | undefined>, everyMs: number) {
    this.done = (async () => {
      while (this.running) {
        const sample = await step();
        if (sample !== undefined) this.samples.push(sample);
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** A 503's own problems on top of C6: a usable Retry-After (delta-seconds or an HTTP date). */
function problemsOf503(record: RequestRecord): string[] {
  const headers = record.headers ?? {};
  const problems = c6Problems({ status: 503, headers, text: record.body ?? '' });
  const retryAfter = headers['retry-after'];
  if (typeof retryAfter !== 'string' || !/^(\d+|[A-Z][a-z]{2}, .+ GMT)$/.test(retryAfter.trim())) {
    problems.push(`Retry-After ${JSON.stringify(retryAfter)}`);
  }
  return problems;
}

const answerMs = (r: RequestRecord) => r.endedAt - r.startedAt;
const isTwoXx = (r: RequestRecord) => r.status !== undefined && r.status >= 200 && r.status < 300;
const statusOf = (p: Probe) => String(p.status ?? p.error);

/** What the requests that waited on a silent database (`from`..`to`) amount to, and their faults. */
function judgeWindow(records: readonly RequestRecord[], from: number, to: number) {
  // In flight at some point of the window: started before its end and not done before its start.
  const affected = records.filter((r) => r.startedAt < to && (r.endedAt === 0 || r.endedAt > from));
  const latencies = affected.map(answerMs);
  const tooSlow = affected.filter((r) => r.status === undefined || answerMs(r) > ANSWER_BOUND_MS);
  // Started and answered inside the window: nothing could reach the database, so nothing stored.
  const twoXxUnstorable = affected.filter(
    (r) => r.startedAt >= from + 100 && r.endedAt < to && isTwoXx(r),
  );
  const unexpected = affected.filter(
    (r) => r.status === undefined || (r.status !== 503 && !isTwoXx(r)),
  );
  const answered503 = affected.filter((r) => r.status === 503);
  const bad503 = answered503
    .map((r) => ({ r, problems: problemsOf503(r) }))
    .filter((x) => x.problems.length > 0);
  return {
    affected,
    tooSlow,
    twoXxUnstorable,
    unexpected,
    answered503,
    bad503,
    figures: {
      requests: affected.length,
      outcomes: countBy(affected, outcomeOf),
      answerMs: {
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies.reduce((a, b) => Math.max(a, b), 0)),
      },
      overBound: tooSlow.length,
      boundMs: ANSWER_BOUND_MS,
      retryAfter: countBy(answered503, (r) => String(r.headers?.['retry-after'])),
      malformed503: bad503.length,
      malformed503Sample: bad503.slice(0, 2).map((x) => ({ problems: x.problems, body: x.r.body })),
      unexpectedSample: unexpected.slice(0, 3).map((r) => ({
        outcome: outcomeOf(r),
        ms: round(answerMs(r)),
        body: r.body?.slice(0, 200),
      })),
    },
  };
}

/** How the service came back once the database answered at `at`. */
function judgeRecovery(records: readonly RequestRecord[], probes: readonly Probe[], at: number) {
  const first2xx = records
    .filter((r) => r.endedAt >= at && isTwoXx(r))
    .reduce((a, r) => Math.min(a, r.endedAt), Infinity);
  const firstReady = probes
    .filter((p) => p.endedAt >= at && p.status === 200)
    .reduce((a, p) => Math.min(a, p.endedAt), Infinity);
  const nextFive = records.filter((r) => r.startedAt >= at && r.startedAt < at + 5_000);
  const settled = records.filter((r) => r.startedAt >= at + SETTLED_AFTER_MS);
  const lastFailure = records
    .filter((r) => r.startedAt >= at && !isTwoXx(r))
    .reduce((a, r) => Math.max(a, r.startedAt), -Infinity);
  const recoveryMs = first2xx - at;
  const readyRecoveryMs = firstReady - at;
  return {
    recoveryMs,
    readyRecoveryMs,
    settled,
    figures: {
      firstTwoXxMs: Number.isFinite(recoveryMs) ? round(recoveryMs) : null,
      firstReady200Ms: Number.isFinite(readyRecoveryMs) ? round(readyRecoveryMs) : null,
      lastFailureStartedMs: Number.isFinite(lastFailure) ? round(lastFailure - at) : null,
      nextFiveSeconds: {
        outcomes: countBy(nextFive, outcomeOf),
        successRate: round((100 * nextFive.filter(isTwoXx).length) / Math.max(1, nextFive.length)),
      },
      settled: countBy(settled, outcomeOf),
    },
  };
}

/**
 * Readiness while the database was silent: every probe started inside the window answers within
 * the bound, and one answered inside the window is a 503 (one that outlived the window may have
 * seen the database come back).
 */
function judgeReadiness(probes: readonly Probe[], from: number, to: number) {
  const inside = probes.filter((p) => p.startedAt >= from && p.startedAt < to);
  const answeredInside = inside.filter((p) => p.endedAt <= to);
  const wrong = inside.filter(
    (p) => p.endedAt - p.startedAt > ANSWER_BOUND_MS || (p.endedAt <= to && p.status !== 503),
  );
  const ms = inside.map((p) => p.endedAt - p.startedAt);
  return {
    inside,
    answeredInside,
    wrong,
    figures: {
      probes: inside.length,
      outcomes: countBy(inside, statusOf),
      outcomesAnsweredInside: countBy(answeredInside, statusOf),
      answerMs: { p50: round(percentile(ms, 50)), max: round(Math.max(0, ...ms)) },
    },
  };
}

/**
 * RSS growth (MiB) from the highest sample before `from` to the highest until `to`, and the
 * growth over the window's second half: a service that keeps what it cannot write grows all the
 * way, a bounded one levels off once its queue is full.
 */
function rssGrowth(samples: readonly RssSample[], from: number, to: number) {
  const highest = (a: number, b: number) =>
    Math.max(0, ...samples.filter((s) => s.at >= a && s.at < b).map((s) => s.kib));
  const middle = (from + to) / 2;
  const baseline = highest(from - 3_000, from);
  const peak = highest(from, to);
  const firstHalfPeak = highest(from, middle);
  const mib = (kib: number) => round(kib / 1024);
  const timeline: number[] = [];
  for (let at = from; at < to; at += 2_000) timeline.push(mib(highest(at, at + 2_000) - baseline));
  return {
    growthMiB: mib(peak - baseline),
    secondHalfGrowthMiB: mib(highest(middle, to) - firstHalfPeak),
    figures: {
      baselineMiB: mib(baseline),
      peakMiB: mib(peak),
      growthMiB: mib(peak - baseline),
      secondHalfGrowthMiB: mib(highest(middle, to) - firstHalfPeak),
      growthEveryTwoSecondsMiB: timeline,
    },
  };
}

/** How many times each (session, type, ts) is stored. */
async function storedCounts(
  databaseUrl: string,
  keys: readonly RequestRecord[],
): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; n: string }>(
      `SELECT k.sid || ' ' || k.type || ' ' || k.ts AS key, count(e.*) AS n
         FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(sid, type, ts)
         LEFT JOIN session_events e
           ON e.session_id = decode(k.sid, 'hex') AND e.event_type = k.type AND e.ts = k.ts
        GROUP BY 1`,
      [keys.map((r) => r.sid), keys.map((r) => r.eventType), keys.map((r) => String(r.ts))],
    );
    return new Map(rows.map((row) => [row.key, Number(row.n)]));
  } finally {
    await client.end();
  }
}

/** The outcomes of a count other than 201 and 204. */
const notCreatedOrAccepted = (counts: Record<string, number>) =>
  Object.keys(counts).filter((outcome) => outcome !== '201' && outcome !== '204');

const keyOf = (r: RequestRecord) => `${r.sid} ${r.eventType} ${r.ts}`;

/** At most `most` items, evenly spaced, so that a sample spans the whole run. */
function spread<T>(items: readonly T[], most: number): T[] {
  if (items.length <= most) return [...items];
  const step = items.length / most;
  return Array.from({ length: most }, (_, i) => items[Math.floor(i * step)]);
}

describe('faults: a stalled database connection and a table lock under load', () => {
  let dir: string | undefined;
  let postgres: RunningPostgres | undefined;
  let proxy: StallingProxy | undefined;
  let service: ServiceProcess | undefined;
  let databaseUrl = '';
  let baseUrl = '';
  let rss: Sampler<RssSample> | undefined;
  const loads: LoadDriver[] = [];
  const impatient: ImpatientPlayers[] = [];
  const probers: Sampler<Probe>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mca-faults-stall-'));
    // PostgreSQL runs as its own user when the suite runs as root; it must reach its folder.
    await chmod(dir, 0o755);
    postgres = await startEmbeddedPostgres({
      dataDir: join(dir, 'postgres'),
      database: 'media_stall_test',
      fsync: false,
      log: () => {},
    });
    databaseUrl = postgres.url;
    const direct = new URL(databaseUrl);
    proxy = await StallingProxy.start({ host: direct.hostname, port: Number(direct.port) });
    service = await startServiceProcess(
      {
        DATABASE_URL: proxy.urlFor(databaseUrl),
        REQUEST_DEADLINE_MS: String(REQUEST_DEADLINE_MS),
        WRITE_QUEUE_LIMIT: String(WRITE_QUEUE_LIMIT),
        RATE_LIMIT_PER_SECOND: '0',
        SESSION_STARTS_PER_SECOND: '1000000',
        SESSION_STARTS_BURST: '1000000',
        REPORTS_API_TOKEN: 'faults-stall-token-0123456789abcdef',
      },
      await freePort(),
    );
    baseUrl = service.baseUrl;
    const pid = service.child.pid;
    if (pid === undefined) throw new Error('the service has no pid');
    rss = new Sampler(
      async () => ({ at: performance.now(), kib: await rssKiB(pid).catch(() => 0) }),
      200,
    );
  });

  afterAll(async () => {
    proxy?.resume();
    await Promise.all([
      ...loads.map((l) => l.stop()),
      ...impatient.map((p) => p.stop()),
      ...probers.map((p) => p.stop()),
    ]);
    await rss?.stop();
    await stopService(service);
    await proxy?.close();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** 64 workers, 64 impatient players and a readiness probe every 250 ms. */
  async function startLoad() {
    const players = await ImpatientPlayers.start({
      baseUrl,
      players: IMPATIENT_PLAYERS,
      everyMs: IMPATIENT_EVERY_MS,
      giveUpMs: IMPATIENT_GIVE_UP_MS,
      paddingChars: IMPATIENT_PADDING_CHARS,
    });
    impatient.push(players);
    const load = new LoadDriver({ baseUrl, workers: WORKERS, requestTimeoutMs: CLIENT_TIMEOUT_MS });
    loads.push(load);
    load.start();
    const probes = new Sampler(() => probeReady(baseUrl), 250);
    probers.push(probes);
    const stop = async () => {
      await Promise.all([load.stop(), players.stop(), probes.stop()]);
      return {
        records: [...load.records, ...players.records],
        acked: {
          sessions: [...load.acked.sessions, ...players.acked.sessions],
          events: [...load.acked.events, ...players.acked.events],
        },
      };
    };
    return { load, players, probes, stop };
  }

  it('C6, C3: a connection stalled for 20 s under 64 clients and 64 impatient players: 503 + Retry-After within the deadline, flat memory, recovery, a 503 retried is stored once', async () => {
    if (!proxy || !rss) throw new Error('not set up');
    expect((await probeReady(baseUrl)).status).toBe(200);
    const { load, players, probes, stop } = await startLoad();
    await sleep(3_000);

    const stallAt = performance.now();
    proxy.stall();
    await sleep(STALL_MS);
    const proxyDuringStall = proxy.stats();
    const resumeAt = performance.now();
    proxy.resume();
    await sleep(SETTLED_AFTER_MS + 3_000);
    const { records, acked } = await stop();

    const beforeStall = records.filter((r) => r.endedAt < stallAt);
    const stall = judgeWindow(records, stallAt, resumeAt);
    const recovery = judgeRecovery(records, probes.samples, resumeAt);
    const readiness = judgeReadiness(probes.samples, stallAt, resumeAt);
    const memory = rssGrowth(rss.samples, stallAt, resumeAt + 1_000);

    // Events answered 503 are retried: every one that committed after all (its bytes were held
    // by the stall and went through at the resume), and a sample of the others.
    const answered503Events = stall.answered503.filter(
      (r) => r.kind === 'event' && r.sid !== undefined,
    );
    const storedBeforeRetry = await storedCounts(databaseUrl, answered503Events);
    const isStored = (r: RequestRecord) => (storedBeforeRetry.get(keyOf(r)) ?? 0) > 0;
    const committedAfterAll = answered503Events.filter(isStored);
    const retried = [
      ...committedAfterAll.slice(0, RETRIES_AT_MOST / 2),
      ...spread(
        answered503Events.filter((r) => !isStored(r)),
        RETRIES_AT_MOST - Math.min(committedAfterAll.length, RETRIES_AT_MOST / 2),
      ),
    ];
    const fromPlayers = new Set(players.records);
    const bodyOf = (r: RequestRecord) =>
      fromPlayers.has(r) ? players.pingBody(r.ts) : loadBody('event', r.eventType, r.ts);
    const client = new KeepAliveClient(baseUrl, 16, 10_000);
    const retryOutcomes: Array<{ record: RequestRecord; status: number; error?: string }> = [];
    await forEachConcurrently(retried, 16, async (record) => {
      const answer = await client.send({
        path: `/api/v1/sessions/${record.sid}/events`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(bodyOf(record))),
      });
      retryOutcomes.push({
        record,
        status: answer.status,
        ...(answer.error ? { error: answer.error } : {}),
      });
    });
    client.close();
    const storedAfterRetry = await storedCounts(databaseUrl, retried);
    const notStoredOnce = retried.filter((r) => storedAfterRetry.get(keyOf(r)) !== 1);

    const stored = await verifyStored(databaseUrl, acked);
    printFigures('stalled database connection under load', {
      issue: { duringStall: 'no answer at all for 20 s under 64 clients', rssGrowth: '+1 GB' },
      config: { REQUEST_DEADLINE_MS, WRITE_QUEUE_LIMIT, workers: WORKERS, stallMs: STALL_MS },
      impatient: {
        players: IMPATIENT_PLAYERS,
        pingsPerSecond: (IMPATIENT_PLAYERS * 1_000) / IMPATIENT_EVERY_MS,
        giveUpMs: IMPATIENT_GIVE_UP_MS,
        pingBytes: JSON.stringify(players.pingBody(Date.now())).length,
      },
      load: summarize(load.records, load.durationMs),
      impatientLoad: summarize(players.records, load.durationMs),
      beforeStall: countBy(beforeStall, outcomeOf),
      duringStall: stall.figures,
      duringStallImpatient: judgeWindow(players.records, stallAt, resumeAt).figures,
      readinessDuringStall: readiness.figures,
      rss: memory.figures,
      recovery: recovery.figures,
      proxy: { duringStall: proxyDuringStall, atEnd: proxy.stats() },
      retries: {
        answered503Events: answered503Events.length,
        committedAfterAll: committedAfterAll.length,
        retried: retried.length,
        retriedThatHadCommitted: retried.filter(isStored).length,
        outcomes: countBy(retryOutcomes, (o) => String(o.error ?? o.status)),
        notStoredOnce: notStoredOnce.length,
      },
      stored,
    });

    expect.soft(beforeStall.filter(isTwoXx).length).toBeGreaterThan(100);
    expect.soft(stall.affected.length).toBeGreaterThan(WORKERS);
    // Never a hang: every request that waited on the stalled connection answered within the bound.
    expect.soft(stall.figures.answerMs.max).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect.soft(stall.tooSlow.length).toBe(0);
    // 503 with Retry-After in the C6 envelope, or a 2xx for what committed before the stall.
    expect.soft(stall.figures.unexpectedSample).toEqual([]);
    expect.soft(stall.answered503.length).toBeGreaterThan(WORKERS);
    expect.soft(stall.figures.malformed503Sample).toEqual([]);
    expect.soft(stall.twoXxUnstorable.length).toBe(0);
    // Readiness said so, in bounded time.
    expect.soft(readiness.inside.length).toBeGreaterThan(10);
    expect.soft(readiness.figures.outcomesAnsweredInside).toEqual({
      503: readiness.answeredInside.length,
    });
    expect.soft(readiness.wrong.length).toBe(0);
    // Memory stays flat while nothing can be written.
    expect.soft(memory.growthMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    // Back without a restart, then 2xx only.
    expect.soft(recovery.recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect.soft(recovery.readyRecoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect.soft(recovery.settled.length).toBeGreaterThan(WORKERS);
    expect.soft(notCreatedOrAccepted(recovery.figures.settled)).toEqual([]);
    // A 503's retry is a retry: 204, stored once, whether or not the first write committed.
    expect.soft(retried.length).toBeGreaterThan(0);
    expect.soft(countBy(retryOutcomes, (o) => String(o.error ?? o.status))).toEqual({
      204: retried.length,
    });
    expect.soft(notStoredOnce.map(keyOf).slice(0, 5)).toEqual([]);
    // Every 2xx was stored.
    expect.soft(stored.lostSample).toEqual([]);
    expect.soft(stored.lost).toBe(0);
  });

  it('C6: ACCESS EXCLUSIVE on events held 12 s under the same load: 503 + Retry-After within the deadline, /health/ready 503 meanwhile, 200 after', async () => {
    if (!postgres) throw new Error('not set up');
    expect((await probeReady(baseUrl)).status).toBe(200);
    const { load, players, probes, stop } = await startLoad();
    await sleep(3_000);

    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    let waitingOnLock = 0;
    let lockAt = 0;
    let releaseAt = 0;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      lockAt = performance.now();
      await sleep(LOCK_MS - 2_000);
      const { rows } = await locker.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND application_name = 'media-collection-api'`,
      );
      waitingOnLock = Number(rows[0]?.n ?? 0);
      await sleep(LOCK_MS - (performance.now() - lockAt));
      releaseAt = performance.now();
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    await sleep(SETTLED_AFTER_MS + 3_000);
    const { records, acked } = await stop();

    const locked = judgeWindow(records, lockAt, releaseAt);
    const recovery = judgeRecovery(records, probes.samples, releaseAt);
    const readiness = judgeReadiness(probes.samples, lockAt, releaseAt);
    const stored = await verifyStored(databaseUrl, acked);
    const memory = rssGrowth(rss?.samples ?? [], lockAt, releaseAt + 1_000);
    printFigures('table lock under load', {
      issue: { heldRequestsFor: '24 s', readyWhileLocked: 200 },
      config: { REQUEST_DEADLINE_MS, workers: WORKERS, lockMs: round(releaseAt - lockAt) },
      load: summarize(load.records, load.durationMs),
      impatientLoad: summarize(players.records, load.durationMs),
      whileLocked: locked.figures,
      whileLockedImpatient: judgeWindow(players.records, lockAt, releaseAt).figures,
      rss: memory.figures,
      serviceStatementsWaitingOnTheLock: waitingOnLock,
      readinessWhileLocked: readiness.figures,
      recovery: recovery.figures,
      stored,
    });

    expect.soft(locked.affected.length).toBeGreaterThan(WORKERS);
    expect.soft(locked.figures.answerMs.max).toBeLessThanOrEqual(ANSWER_BOUND_MS);
    expect.soft(locked.tooSlow.length).toBe(0);
    expect.soft(locked.figures.unexpectedSample).toEqual([]);
    expect.soft(locked.answered503.length).toBeGreaterThan(WORKERS);
    expect.soft(locked.figures.malformed503Sample).toEqual([]);
    expect.soft(locked.twoXxUnstorable.length).toBe(0);
    expect.soft(readiness.inside.length).toBeGreaterThan(5);
    expect.soft(readiness.figures.outcomesAnsweredInside).toEqual({
      503: readiness.answeredInside.length,
    });
    expect.soft(readiness.wrong.length).toBe(0);
    expect.soft(recovery.recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect.soft(recovery.readyRecoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect.soft(recovery.settled.length).toBeGreaterThan(WORKERS);
    expect.soft(notCreatedOrAccepted(recovery.figures.settled)).toEqual([]);
    expect.soft(stored.lostSample).toEqual([]);
    expect.soft(stored.lost).toBe(0);
  });
});
