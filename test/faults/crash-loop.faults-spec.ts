import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { faultsDatabaseUrl } from '../support/faults-database.js';
import { aSessionStart } from '../support/factories.js';
import {
  KeepAliveClient,
  rssKiB,
  serviceAlive,
  startFaultService,
  stopService,
} from '../support/fault-client.js';
import { printFigures, round, truncateTables } from '../support/fault-load.js';
import { post, request, sessionIdFrom } from '../support/http.js';
import { type ServiceProcess } from '../support/service-process.js';

/**
 * The crash loop of the issue (contract C5, C8): one session gets `play` events whose params are
 * ~64 KB of empty objects until the service refuses more (SESSION_MAX_BYTES), then a sessionEnd.
 * Its report, on demand, in the summary and by the worker, reads only what the engine uses, a
 * page at a time: RSS stays bounded. The service is killed while the session is still
 * unreported and restarted on the same data, as the crash loop had it: the worker reports it at
 * start and the service stays up, request or not. Figures of the issue: RSS 217 MB → 4.2 GB,
 * "JavaScript heap out of memory", dead again 26 s after each restart.
 */

const TOKEN = 'faults-crash-loop-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const BODY_LIMIT = 64 * 1024;
const T0 = 1_700_000_000_000;
/** The issue sent 5,000; the service now refuses far sooner. */
const MAX_EVENTS = 5_000;
/** RSS the service may reach at any point of the scenario (it idles near 150 MB). */
const RSS_BOUND_MB = 400;
/**
 * What computing one report may add to RSS. Reading this session's events whole, as before,
 * parses 5.6 million empty objects: about +390 MB.
 */
const REPORT_GROWTH_BOUND_MB = 100;
const QUIET_MS = 30_000;

const MB = (kib: number) => round(kib / 1024);

/** Empty objects in each event's params: a body just under the body limit. */
const OBJECTS = Math.floor((BODY_LIMIT - 160) / 3);

/** A `play` body whose params are one array of `OBJECTS` empty objects. */
function junkPlay(index: number): Buffer {
  const head = JSON.stringify({
    playerTime: { playhead: index, ts: T0 + index * 1000 },
    eventType: 'play',
    params: { x: [] },
  });
  const objects = Array.from({ length: OBJECTS }, () => '{}').join(',');
  return Buffer.from(head.replace('"x":[]', `"x":[${objects}]`));
}

/** Samples a process's RSS every 20 ms until stopped; the peak in KiB. */
function rssSampler(pid: number) {
  let peak = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      peak = Math.max(peak, await rssKiB(pid).catch(() => 0));
      await sleep(20);
    }
  })();
  return {
    now: () => peak,
    async stop(): Promise<number> {
      running = false;
      await done;
      return peak;
    },
  };
}

async function storedReport(
  databaseUrl: string,
  sid: string,
): Promise<{ computable: boolean; report: Record<string, unknown> } | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ computable: boolean; report: Record<string, unknown> }>(
      `SELECT computable, report FROM session_reports WHERE session_id = decode($1, 'hex')`,
      [sid],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

describe('faults: the crash-loop session (64 KB of empty objects per event, until refused)', () => {
  const services: ServiceProcess[] = [];
  afterAll(async () => {
    for (const service of services) await stopService(service);
  });

  it(`C5 C8: RSS stays under ${RSS_BOUND_MB} MB, and a report adds less than ${REPORT_GROWTH_BOUND_MB} MB, while the session is ingested and reported (on demand, summary, worker after a restart); the restarted service stays up ${QUIET_MS / 1000} s without a request`, async () => {
    const databaseUrl = faultsDatabaseUrl();
    const env = {
      REPORTS_API_TOKEN: TOKEN,
      SESSION_STARTS_PER_SECOND: '0',
      // The first service never reports: the session is to be found unreported at the restart.
      REPORTS_INTERVAL_MS: '3600000',
    };
    const first = await startFaultService(env);
    services.push(first);
    await truncateTables(databaseUrl);
    const pid = first.child.pid!;
    const idleMb = MB(await rssKiB(pid));

    const start = await post(
      first.baseUrl,
      '/api/v1/sessions',
      aSessionStart({ playerTime: { ts: T0, playhead: 0 } }),
    );
    expect(start.status).toBe(201);
    const sid = sessionIdFrom(start);

    // Ingest until the service refuses, four requests at a time.
    const client = new KeepAliveClient(first.baseUrl, 4);
    const ingestRss = rssSampler(pid);
    const ingestStarted = performance.now();
    const statuses = new Map<number, number>();
    let next = 1;
    let refused = false;
    const worker = async () => {
      while (!refused && next <= MAX_EVENTS) {
        const index = next++;
        const answer = await client.send({
          path: `/api/v1/sessions/${sid}/events`,
          headers: { 'content-type': 'application/json' },
          body: junkPlay(index),
        });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status !== 204) refused = true;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const ingestMs = performance.now() - ingestStarted;
    const ingestPeak = await ingestRss.stop();
    client.close();
    const accepted = statuses.get(204) ?? 0;

    // The open session's report on demand, then the summary that computes it on the fly.
    const beforeReportsMb = MB(await rssKiB(pid));
    const onDemandRss = rssSampler(pid);
    const onDemandStarted = performance.now();
    const onDemand = await request(first.baseUrl, 'GET', `/api/v1/reports/sessions/${sid}`, AUTH);
    const onDemandMs = performance.now() - onDemandStarted;
    const onDemandPeak = await onDemandRss.stop();
    const summaryRss = rssSampler(pid);
    const summaryStarted = performance.now();
    const summary = await request(first.baseUrl, 'GET', '/api/v1/reports/summary', AUTH);
    const summaryMs = performance.now() - summaryStarted;
    const summaryPeak = await summaryRss.stop();

    const end = await post(first.baseUrl, `/api/v1/sessions/${sid}/events`, {
      playerTime: { ts: T0 + (MAX_EVENTS + 1) * 1000, playhead: accepted },
      eventType: 'sessionEnd',
    });
    // Killed with the session closed and unreported: the state the crash loop restarted into.
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startFaultService({ ...env, REPORTS_INTERVAL_MS: '1000' });
    services.push(second);
    const secondPid = second.child.pid!;
    const restartedMb = MB(await rssKiB(secondPid));
    const workerRss = rssSampler(secondPid);
    const restartedAt = performance.now();
    let stored = await storedReport(databaseUrl, sid);
    while (!stored && performance.now() - restartedAt < QUIET_MS) {
      await sleep(100);
      stored = await storedReport(databaseUrl, sid);
    }
    const reportedMs = performance.now() - restartedAt;
    // No request at all meanwhile: the service must outlive the report worker's runs.
    await sleep(Math.max(0, QUIET_MS - reportedMs));
    const quietPeak = await workerRss.stop();
    const aliveAfterQuiet = serviceAlive(second);
    const report = stored?.report;

    printFigures('crash-loop session: ingest, report, restart', {
      issue: 'RSS 217 MB → 4.2 GB, heap out of memory, dead again 26 s after each restart',
      eventBodyBytes: junkPlay(1).length,
      emptyObjectsPerEvent: OBJECTS,
      eventsAccepted: accepted,
      refusal: Object.fromEntries(statuses),
      ingestSeconds: round(ingestMs / 1000),
      rssMb: {
        idle: idleMb,
        ingestPeak: MB(ingestPeak),
        beforeReports: beforeReportsMb,
        onDemandReportPeak: MB(onDemandPeak),
        summaryPeak: MB(summaryPeak),
        restartedAtStart: restartedMb,
        restartedWorkerPeak: MB(quietPeak),
      },
      onDemandReport: {
        status: onDemand.status,
        ms: round(onDemandMs),
        bytes: onDemand.text.length,
      },
      summary: { status: summary.status, ms: round(summaryMs) },
      sessionEnd: end.status,
      restarted: {
        reportStoredAfterMs: stored ? round(reportedMs) : 'not within 30 s',
        computable: stored?.computable,
        contentTimeSpent: report?.contentTimeSpent,
        reason: report?.reason,
        aliveAfterQuietSeconds: QUIET_MS / 1000,
        alive: aliveAfterQuiet,
        exitCode: second.child.exitCode,
      },
    });

    expect(accepted, 'events taken before the cap').toBeGreaterThan(100);
    expect([...statuses.keys()].sort(), 'taken, then refused by SESSION_MAX_BYTES').toEqual([
      204, 429,
    ]);
    expect(onDemand.status).toBe(200);
    expect(onDemand.json()).toMatchObject({ sessionId: sid, open: true, contentStarted: true });
    expect(summary.status).toBe(200);
    expect(end.status).toBe(204);
    expect(stored, 'the restarted worker reported the session').toBeDefined();
    if (stored!.computable) {
      expect(report).toMatchObject({ sessionId: sid, open: false, closeReason: 'end' });
    } else {
      expect(Object.keys(report!).sort()).toEqual(['computable', 'reason', 'sessionId']);
    }
    expect(aliveAfterQuiet, `alive ${QUIET_MS / 1000} s after the restart`).toBe(true);
    for (const peak of [ingestPeak, onDemandPeak, summaryPeak, quietPeak]) {
      expect(MB(peak)).toBeLessThan(RSS_BOUND_MB);
    }
    expect(MB(onDemandPeak) - beforeReportsMb).toBeLessThan(REPORT_GROWTH_BOUND_MB);
    expect(MB(summaryPeak) - beforeReportsMb).toBeLessThan(REPORT_GROWTH_BOUND_MB);
    expect(MB(quietPeak) - restartedMb).toBeLessThan(REPORT_GROWTH_BOUND_MB);
    expect(
      (await request(second.baseUrl, 'GET', `/api/v1/reports/sessions/${sid}`, AUTH)).status,
    ).toBe(200);
  });
});
