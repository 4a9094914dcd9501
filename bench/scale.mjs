// Scale run on PostgreSQL: `npm run bench:scale`. Loads 10,000 on-demand sessions of 200 events
// each (2,000,000 events) through SessionsRepository in batches of 500, reports the bytes stored
// per row, stores every session's report, then times ReportsService.summary (target: < 1 s).
// Uses the DATABASE_URL server when set (in a fresh database `mca_scale`, dropped at the end),
// otherwise a throwaway embedded PostgreSQL in a temporary folder. Prints one JSON line per
// measurement and a markdown table. SCALE_SESSIONS and SCALE_CONCURRENCY change the size and the
// number of loading lanes (each lane owns its own sessions, so lanes never wait on each other's rows).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../dist/src/app.factory.js';
import { loadConfig } from '../dist/src/config/app-config.js';
import { startEmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';
import { ReportsService } from '../dist/src/reports/reports.service.js';
import { SessionReporter } from '../dist/src/reports/session-reporter.js';
import { SessionsRepository } from '../dist/src/sessions/sessions.repository.js';
import { SessionsService } from '../dist/src/sessions/sessions.service.js';

const SESSIONS = Number(process.env.SCALE_SESSIONS ?? 10_000);
const LANES = Number(process.env.SCALE_CONCURRENCY ?? 4);
const EVENTS_PER_SESSION = 200;
const BATCH = 500;
const MEDIA_IDS = 10;
const SUMMARY_RUNS = 5;
const SUMMARY_TARGET_MS = 1000;
const DATABASE = 'mca_scale';
const T0 = 1_760_000_000_000;

const silentLogger = { log() {}, error() {}, warn() {} };
const elapsedMs = (since) => Number(process.hrtime.bigint() - since) / 1e6;
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const emit = (line) => console.log(JSON.stringify(line));
const progress = (text) => process.stderr.write(`# ${text}\n`);

/** A small deterministic PRNG (mulberry32), so every run loads the same timelines. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One on-demand session of exactly 200 events, in player order: sessionStart, play, pings every
 * 10 s with a moving playhead, a pause, a buffering, a mid-roll break with one 30 s ad, a bitrate
 * change, sessionComplete and sessionEnd as the 200th.
 */
function vodSession(index, random) {
  const events = [];
  let ts = T0 + index * 7_919;
  let playhead = 0;
  const add = (eventType, extra = {}) => events.push({ eventType, ts, playhead, ...extra });
  const bitrate = 1_000_000 * (2 + Math.floor(random() * 4));
  const mediaId = `media-${index % MEDIA_IDS}`;

  add('sessionStart');
  ts += 800 + Math.floor(random() * 1200);
  add('play', {
    qoeData: { 'media.qoe.timeToStart': ts - events[0].ts, 'media.qoe.bitrate': bitrate },
  });
  for (let ping = 1; events.length < EVENTS_PER_SESSION - 2; ping += 1) {
    ts += 10_000;
    playhead += 10;
    add('ping');
    if (ping === 30) {
      add('pauseStart');
      ts += 10_000;
      add('ping');
      ts += 4_000;
      add('play');
    } else if (ping === 60) {
      ts += 3_000;
      playhead += 3;
      add('bufferStart');
      ts += 2_500;
      add('play');
    } else if (ping === 90) {
      ts += 1;
      add('adBreakStart', {
        params: {
          'media.ad.podIndex': 1,
          'media.ad.podSecond': playhead,
          'media.ad.podFriendlyName': 'mid-roll',
        },
      });
      add('adStart', {
        params: {
          'media.ad.id': `ad-${index % 7}`,
          'media.ad.length': 30,
          'media.ad.podPosition': 1,
          'media.ad.playerName': 'bench-player',
          'media.ad.name': 'Bench ad',
        },
      });
      for (let s = 0; s < 3; s += 1) {
        ts += 10_000;
        add('ping');
      }
      add('adComplete');
      add('adBreakComplete');
      ts += 1;
      add('play');
    } else if (ping === 120) {
      ts += 1;
      add('bitrateChange', { qoeData: { 'media.qoe.bitrate': bitrate + 2_000_000 } });
    }
  }
  ts += 5_000;
  playhead += 5;
  add('sessionComplete');
  ts += 500;
  add('sessionEnd');

  const mediaLength = playhead;
  const params = {
    'media.playerName': 'bench-player',
    'analytics.trackingServer': 'bench.example.com',
    'analytics.reportSuite': 'bench-rsid',
    'analytics.visitorId': `visitor-${index}`,
    'media.contentType': 'VOD',
    'media.length': mediaLength,
    'media.id': mediaId,
    'visitor.marketingCloudOrgId': 'bench-org',
    'media.name': `Bench title ${index % MEDIA_IDS}`,
    'media.channel': `channel-${index % 3}`,
    'media.sdkVersion': 'va-api-0.0.0',
    'analytics.enableSSL': false,
  };
  events[0].params = params;
  events[0].customMetadata = { cohort: `c${index % 5}` };
  return {
    id: randomBytes(32).toString('hex'),
    reportSuite: params['analytics.reportSuite'],
    mediaId,
    contentType: 'VOD',
    mediaLength,
    params,
    downloaded: false,
    events,
  };
}

/** The database: a fresh one on the DATABASE_URL server, or an embedded PostgreSQL. */
async function openDatabase() {
  const given = process.env.DATABASE_URL;
  if (given) {
    const admin = new pg.Client({ connectionString: given });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
    const url = new URL(given);
    url.pathname = `/${DATABASE}`;
    return {
      url: url.toString(),
      kind: 'server',
      async close() {
        const client = new pg.Client({ connectionString: given });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'mca-scale-'));
  // PostgreSQL runs as its own user when this runs as root; it must reach its folder.
  await chmod(dir, 0o755);
  try {
    const postgres = await startEmbeddedPostgres({
      dataDir: join(dir, 'postgres'),
      database: DATABASE,
      log: () => {},
    });
    return {
      url: postgres.url,
      kind: 'embedded',
      async close() {
        await postgres.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Loads every session: each lane takes windows of 500 sessions, creates them in one
 * createSessions call, then appends their other 199 events in batches of 500 that carry the
 * next event of every session in the window (as 500 players pinging at once would).
 */
async function load(repository, limits) {
  const windows = Math.ceil(SESSIONS / BATCH);
  let nextWindow = 0;
  let events = 0;
  let rejected = 0;
  let done = 0;
  const lane = async () => {
    for (let w = nextWindow++; w < windows; w = nextWindow++) {
      const first = w * BATCH;
      const random = prng(first + 1);
      const sessions = [];
      for (let i = first; i < Math.min(first + BATCH, SESSIONS); i += 1)
        sessions.push(vodSession(i, random));
      await repository.createSessions(
        sessions.map((s) => ({ ...s, events: s.events.slice(0, 1) })),
      );
      events += sessions.length;
      const perBatch = Math.max(1, Math.floor(BATCH / sessions.length));
      for (let k = 1; k < EVENTS_PER_SESSION; k += perBatch) {
        const batch = [];
        for (let j = k; j < Math.min(k + perBatch, EVENTS_PER_SESSION); j += 1)
          for (const s of sessions) batch.push({ sessionId: s.id, ...s.events[j] });
        const { outcomes } = await repository.appendEvents(batch, limits);
        for (const outcome of outcomes) if (outcome !== 'accepted') rejected += 1;
        events += batch.length;
      }
      done += sessions.length;
      if (done % 2_500 < BATCH) progress(`loaded ${done} sessions`);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.max(1, LANES) }, lane));
  const ms = elapsedMs(start);
  if (rejected > 0) throw new Error(`${rejected} events were not accepted`);
  return { ms, events };
}

async function querySingle(dataSource, sql) {
  const [row] = await dataSource.query(sql);
  return row;
}

/**
 * Bytes on disk per row (table, TOAST and indexes, dead row versions included) and the average
 * size of one live row's tuple, which tells bloat from data.
 */
async function storage(dataSource, relation, table) {
  const row = await querySingle(
    dataSource,
    `SELECT pg_total_relation_size('${relation}')::float8 AS bytes, count(*)::int AS rows,
            avg(pg_column_size(r.*))::float8 AS tuple FROM ${relation} r`,
  );
  const perRow = round(row.bytes / row.rows);
  emit({
    case: 'storage',
    relation,
    rows: row.rows,
    bytes: row.bytes,
    bytesPerRow: perRow,
    liveTupleBytes: round(row.tuple),
  });
  table.push([
    `storage ${relation}`,
    `${row.rows} rows`,
    `${round(row.bytes / 2 ** 20)} MiB`,
    `${perRow} B/row (live tuple ${round(row.tuple)} B)`,
  ]);
}

/** Median and max of `runs` timed calls. */
async function timeRuns(runs, call) {
  const times = [];
  let result;
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    result = await call();
    times.push(elapsedMs(start));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { times, median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1), result };
}

async function main() {
  const database = await openDatabase();
  let app;
  const cleanup = async () => {
    await app?.close();
    app = undefined;
    await database.close();
  };
  const interrupted = (signal) => {
    progress(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const table = [];
  try {
    const config = loadConfig({
      DATABASE_URL: database.url,
      REPORTS_INTERVAL_MS: '3600000',
      REPORTS_API_TOKEN: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'error',
    });
    app = await createApp(config, { logger: silentLogger });
    await app.init();
    const repository = app.get(SessionsRepository);
    const { limits } = app.get(SessionsService);
    const reporter = app.get(SessionReporter);
    const reports = app.get(ReportsService);
    const dataSource = app.get(DataSource);

    const { server_version: postgresVersion } = await querySingle(
      dataSource,
      'SHOW server_version',
    );
    const { fsync } = await querySingle(dataSource, 'SHOW fsync');
    emit({
      case: 'setup',
      database: database.kind,
      postgres: postgresVersion,
      fsync,
      sessions: SESSIONS,
      eventsPerSession: EVENTS_PER_SESSION,
      batch: BATCH,
      lanes: LANES,
    });

    const from = new Date(Date.now() - 60_000);
    const loaded = await load(repository, limits);
    const eventsPerSecond = Math.round(loaded.events / (loaded.ms / 1000));
    emit({ case: 'load', events: loaded.events, ms: Math.round(loaded.ms), eventsPerSecond });
    table.push([
      'load',
      `${loaded.events} events`,
      `${round(loaded.ms / 1000)} s`,
      `${eventsPerSecond} events/s`,
    ]);

    for (const relation of ['events', 'sessions']) await storage(dataSource, relation, table);

    const reportStart = process.hrtime.bigint();
    let reported = 0;
    for (
      let n = await reporter.reportClosedSessions();
      n > 0;
      n = await reporter.reportClosedSessions()
    )
      reported += n;
    const reportMs = elapsedMs(reportStart);
    const stored = await querySingle(dataSource, 'SELECT count(*)::int AS n FROM session_reports');
    if (stored.n !== SESSIONS) throw new Error(`${stored.n} reports stored, expected ${SESSIONS}`);
    const sessionsPerSecond = Math.round(reported / (reportMs / 1000));
    emit({
      case: 'report-sessions',
      sessions: reported,
      ms: Math.round(reportMs),
      sessionsPerSecond,
    });
    table.push([
      'report closed sessions',
      `${reported} sessions`,
      `${round(reportMs / 1000)} s`,
      `${sessionsPerSecond} sessions/s`,
    ]);

    await storage(dataSource, 'session_reports', table);

    const to = new Date(Date.now() + 60_000);
    let slow = false;
    for (const groupBy of [undefined, 'day', 'media.id']) {
      const run = await timeRuns(SUMMARY_RUNS, () => reports.summary(from, to, groupBy));
      const starts = run.result.reduce((sum, row) => sum + row.mediaStarts, 0);
      if (starts !== SESSIONS)
        throw new Error(`summary counted ${starts} starts, expected ${SESSIONS}`);
      slow ||= run.max >= SUMMARY_TARGET_MS;
      emit({
        case: 'summary',
        groupBy: groupBy ?? null,
        groups: run.result.length,
        mediaStarts: starts,
        runs: SUMMARY_RUNS,
        medianMs: round(run.median),
        maxMs: round(run.max),
      });
      table.push([
        `summary ${groupBy ?? '(all)'}`,
        `${run.result.length} groups`,
        `median ${round(run.median)} ms`,
        `max ${round(run.max)} ms`,
      ]);
    }

    console.log('');
    console.log('| measurement | size | time | rate |');
    console.log('| --- | --- | --- | --- |');
    for (const row of table) console.log(`| ${row.join(' | ')} |`);
    if (slow) {
      console.error(`a summary took ${SUMMARY_TARGET_MS} ms or more`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

await main();
