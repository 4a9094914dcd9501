import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultsDatabaseUrl } from '../support/faults-database.js';
import { aSessionStart } from '../support/factories.js';
import { KeepAliveClient, startFaultService, stopService } from '../support/fault-client.js';
import { percentile, printFigures, round, truncateTables } from '../support/fault-load.js';
import { aPing, eventsPath } from '../support/lifecycle.js';
import { parseSamples } from '../support/prometheus-text.js';
import { type ServiceProcess } from '../support/service-process.js';
import { PARAMS_OF_SEEDED_SESSIONS } from '../support/stored-rows.js';

/**
 * `/metrics` under scrape load with as many open sessions as the report that found it: 463,000,
 * inserted straight into `sessions`. A scrape that counted them took 115 ms and held a pool
 * connection meanwhile; 16 scrapers looping on it took players' pings from 2 ms to 257 ms. Here a
 * lone scraper at a monitoring pace is timed, then players ping at a steady pace, first alone,
 * then beside 16 scrapers fetching `/metrics` back to back. With the count read in the background
 * a scrape costs no query, and the looping scrapers are held to the service's render budget (they
 * wait for the next render instead of taking the event loop): the figures are printed and bounded.
 */

const OPEN_SESSIONS = 463_000;
const REFRESH_INTERVAL_MS = 1_000;
const PLAYERS = 8;
const PING_EVERY_MS = 20;
const SCRAPERS = 16;
const PHASE_MS = 8_000;
/** A monitoring scraper: one scrape every LONE_EVERY_MS, LONE_SCRAPES of them. */
const LONE_SCRAPES = 50;
const LONE_EVERY_MS = 60;
/**
 * The issue's figure for one scrape: a lone scrape must stay well under it. Its p90 is bounded,
 * not its p99 (with 50 scrapes, the slowest one), which a noisy machine sets alone.
 */
const ISSUE_SCRAPE_MS = 115;
const LONE_SCRAPE_P90_BOUND_MS = 40;

const log = (line: string) => console.log(`[metrics-scrape] ${line}`);

const ms = (values: readonly number[]) => ({
  count: values.length,
  p50: round(percentile(values, 50)),
  p90: round(percentile(values, 90)),
  p99: round(percentile(values, 99)),
  max: round(values.reduce((a, b) => Math.max(a, b), 0)),
});

/**
 * Players that each start a session, then ping it every PING_EVERY_MS over a keep-alive
 * connection of their own; the latencies and statuses are kept per phase.
 */
class Players {
  private running = true;
  private phase = 'warm-up';
  private readonly latencies = new Map<string, number[]>();
  private readonly statuses = new Map<string, Map<number, number>>();
  private readonly loops: Promise<void>[] = [];
  private readonly clients: KeepAliveClient[] = [];

  constructor(private readonly baseUrl: string) {}

  async start(players: number): Promise<void> {
    const started = await Promise.all(
      Array.from({ length: players }, async () => {
        const client = new KeepAliveClient(this.baseUrl, 1, 10_000);
        this.clients.push(client);
        const answer = await client.send({
          path: '/api/v1/sessions',
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify(aSessionStart())),
        });
        expect(answer.status, answer.text).toBe(201);
        const sid = /\/([0-9a-f]{64})$/.exec(String(answer.headers.location))?.[1];
        expect(sid).toBeDefined();
        return { client, sid: sid! };
      }),
    );
    for (const { client, sid } of started) this.loops.push(this.loop(client, sid));
  }

  enter(phase: string): void {
    this.phase = phase;
  }

  latenciesOf(phase: string): number[] {
    return this.latencies.get(phase) ?? [];
  }

  statusesOf(phase: string): Record<string, number> {
    return Object.fromEntries(this.statuses.get(phase) ?? []);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const client of this.clients) client.close();
  }

  private async loop(client: KeepAliveClient, sid: string): Promise<void> {
    let ts = 1509045324153;
    while (this.running) {
      ts += 1_000;
      const phase = this.phase;
      const answer = await client.send({
        path: eventsPath(sid),
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(aPing((ts - 1509045324153) / 1_000, ts))),
      });
      if (phase === this.phase) {
        if (!this.latencies.has(phase)) this.latencies.set(phase, []);
        this.latencies.get(phase)!.push(answer.ms);
        const statuses = this.statuses.get(phase) ?? new Map<number, number>();
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        this.statuses.set(phase, statuses);
      }
      await sleep(Math.max(0, PING_EVERY_MS - answer.ms));
    }
  }
}

/**
 * The scrapers run in a thread of their own, so that reading their answers does not delay the
 * players' clock in this thread.
 */
const SCRAPER_CODE = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { url, scrapers } = workerData;
let running = true;
const latencies = [];
const statuses = {};
parentPort.on('message', () => (running = false));
const scrape = (agent) => new Promise((resolve) => {
  const started = performance.now();
  const req = http.get(url, { agent }, (res) => {
    res.on('data', () => {});
    res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
  });
  req.on('error', (error) => resolve({ status: 'error:' + (error.code || error.message), ms: performance.now() - started }));
});
const loops = Array.from({ length: scrapers }, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  while (running) {
    const { status, ms } = await scrape(agent);
    latencies.push(ms);
    statuses[status] = (statuses[status] || 0) + 1;
  }
  agent.destroy();
});
Promise.all(loops).then(() => parentPort.postMessage({ latencies, statuses }));
`;

async function scrapeLoad(
  url: string,
  scrapers: number,
  durationMs: number,
): Promise<{ latencies: number[]; statuses: Record<string, number> }> {
  const worker = new Worker(SCRAPER_CODE, { eval: true, workerData: { url, scrapers } });
  const done = new Promise<{ latencies: number[]; statuses: Record<string, number> }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  );
  await sleep(durationMs);
  worker.postMessage('stop');
  const result = await done;
  await worker.terminate();
  return result;
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function gauges(baseUrl: string): Promise<{ open?: number; age?: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const samples = parseSamples(text);
  return {
    open: samples.find((s) => s.name === 'mca_sessions_open')?.value,
    age: samples.find((s) => s.name === 'mca_db_gauges_age_seconds')?.value,
  };
}

/** Polls the scrape until the open-session gauge shows `expected`; the figures when it did. */
async function awaitOpenSessions(baseUrl: string, expected: number, withinMs: number) {
  const started = performance.now();
  let seen: { open?: number; age?: number } = {};
  while (performance.now() - started < withinMs) {
    seen = await gauges(baseUrl);
    if (seen.open === expected) return { ...seen, afterMs: round(performance.now() - started) };
    await sleep(100);
  }
  return { ...seen, afterMs: round(performance.now() - started) };
}

describe(`C8: /metrics under 16 scrapers with ${OPEN_SESSIONS} open sessions`, () => {
  const databaseUrl = faultsDatabaseUrl();
  let service: ServiceProcess | undefined;
  let players: Players | undefined;
  let insertMs = 0;

  beforeAll(async () => {
    service = await startFaultService({
      METRICS_REFRESH_INTERVAL_MS: String(REFRESH_INTERVAL_MS),
    });
    await truncateTables(databaseUrl);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const started = performance.now();
      await db.query(
        `INSERT INTO sessions (key, id, report_suite, media_id, content_type, media_length, last_playhead)
         SELECT session_key(sha256(int4send(g))), sha256(int4send(g)), 'rs', 'media-' || (g % 100), 'VOD', 60, 0
           FROM generate_series(1, $1::int) AS g`,
        [OPEN_SESSIONS],
      );
      await db.query(PARAMS_OF_SEEDED_SESSIONS);
      await db.query('ANALYZE sessions');
      insertMs = round(performance.now() - started);
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    await players?.stop();
    await stopService(service);
    await truncateTables(databaseUrl);
  });

  it('C8: scrapes run no query: fast, and the players beside them keep their latency', async () => {
    const baseUrl = service!.baseUrl;
    players = new Players(baseUrl);
    await players.start(PLAYERS);
    const expected = OPEN_SESSIONS + PLAYERS;
    const counted = await awaitOpenSessions(baseUrl, expected, 3 * REFRESH_INTERVAL_MS + 5_000);
    log(`mca_sessions_open ${counted.open} after ${counted.afterMs} ms (age ${counted.age} s)`);

    const lone: number[] = [];
    const loneStatuses = new Set<number>();
    for (let i = 0; i < LONE_SCRAPES; i += 1) {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/metrics`);
      await res.text();
      lone.push(performance.now() - started);
      loneStatuses.add(res.status);
      await sleep(LONE_EVERY_MS);
    }

    const pid = service!.child.pid!;
    players.enter('quiet');
    const quietCpu = await cpuMs(pid);
    await sleep(PHASE_MS);
    players.enter('scraping');
    const scrapingCpu = await cpuMs(pid);
    const scrapes = await scrapeLoad(`${baseUrl}/metrics`, SCRAPERS, PHASE_MS);
    players.enter('after');
    const afterCpu = await cpuMs(pid);
    const after = await gauges(baseUrl);
    await players.stop();

    const quiet = ms(players.latenciesOf('quiet'));
    const scraping = ms(players.latenciesOf('scraping'));
    const scrape = ms(scrapes.latencies);
    const loneScrape = ms(lone);
    const pingBound = Math.max(50, 3 * quiet.p99);
    const cpuShare = (used: number) => `${round((used / PHASE_MS) * 100)} %`;
    printFigures('/metrics under scrape load', {
      openSessions: OPEN_SESSIONS,
      insertMs,
      refreshIntervalMs: REFRESH_INTERVAL_MS,
      gaugeAfterRefresh: counted,
      loneScraper: { everyMs: LONE_EVERY_MS, ...loneScrape, boundP90Ms: LONE_SCRAPE_P90_BOUND_MS },
      pings: {
        players: PLAYERS,
        everyMs: PING_EVERY_MS,
        quiet: { ...quiet, statuses: players.statusesOf('quiet') },
        scraping: { ...scraping, statuses: players.statusesOf('scraping') },
        boundP99Ms: pingBound,
      },
      loopingScrapers: {
        scrapers: SCRAPERS,
        ...scrape,
        perSecond: round((scrape.count / PHASE_MS) * 1_000),
        statuses: scrapes.statuses,
        boundP50Ms: ISSUE_SCRAPE_MS,
      },
      serviceCpu: {
        quiet: cpuShare(scrapingCpu - quietCpu),
        scraping: cpuShare(afterCpu - scrapingCpu),
      },
      gaugesAfter: after,
      issue: { scrapeMs: ISSUE_SCRAPE_MS, pingsQuietMs: 2, pingsScrapingMs: 257 },
    });

    expect([...loneStatuses]).toEqual([200]);
    expect(players.statusesOf('quiet')).toEqual({ 204: quiet.count });
    expect(players.statusesOf('scraping')).toEqual({ 204: scraping.count });
    expect(scrapes.statuses).toEqual({ 200: scrape.count });
    expect(loneScrape.p90, 'lone scrape p90 (ms)').toBeLessThan(LONE_SCRAPE_P90_BOUND_MS);
    expect(scrape.p50, 'looping scrapes p50 (ms)').toBeLessThan(ISSUE_SCRAPE_MS);
    expect(scraping.p99, 'ping p99 while scraping (ms)').toBeLessThan(pingBound);
    expect(quiet.count).toBeGreaterThan(PLAYERS * 100);
    expect(scraping.count).toBeGreaterThan(PLAYERS * 100);
    expect(scrape.count).toBeGreaterThan(SCRAPERS * 10);
    expect(counted.open, 'mca_sessions_open after a refresh').toBe(expected);
    expect(after.open, 'mca_sessions_open after the scrapes').toBe(expected);
    expect(after.age!, 'mca_db_gauges_age_seconds').toBeLessThan((3 * REFRESH_INTERVAL_MS) / 1_000);
  });
});
