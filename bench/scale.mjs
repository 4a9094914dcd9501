// Scale run on PostgreSQL: `npm run bench:scale`. Each part runs in a fresh database of its own,
// with an application of its own, so that no part sees another's rows, dead rows or statistics:
//
// - VOD load: 10,000 on-demand sessions of 200 events each (2,000,000 events) loaded through
//   SessionsRepository in batches of 500, the bytes stored per row, every session's report
//   stored by SessionReporter, ReportsService.summary (target: < 1 s), then the bytes per event
//   and per session on disk after a plain VACUUM (table, TOAST and indexes apart).
// - Summary: 100,000 closed sessions of 4 events (sessionStart, play, ping, sessionEnd) loaded
//   through the repository, their reports stored by SessionReporter, then ReportsService.summary
//   over them (target: < 500 ms).
// - Live view: 100,000 open sessions in five player states, loaded through the repository, each
//   then heard from by one ping; ReportsService.live (target: < 200 ms).
// - Sweep: 100,000 open sessions backdated past their idle, stall, max-duration or complete
//   limit by one UPDATE, then closed by closeExpiredSessions in the sweeper's batches (target:
//   < 10 s); none may be left open past its limit.
// - Large starts: 1,000 sessionStarts of ~32 KB params each through the repository, and the
//   bytes on disk they add per byte of params sent (target: at most 1.15).
//
// Every part vacuums and analyzes its tables after loading (the state autovacuum reaches), except
// the VOD load, whose figures come as they always did. Uses the DATABASE_URL server when set (in
// fresh databases `mca_scale*`, dropped after each part), otherwise a throwaway embedded
// PostgreSQL in a temporary folder. Prints one JSON line per measurement and a markdown table.
// SCALE_SESSIONS, SCALE_SUMMARY_SESSIONS, SCALE_LIVE_SESSIONS, SCALE_SWEEP_SESSIONS and
// SCALE_START_SESSIONS change the parts' sizes (0 skips a part); SCALE_CONCURRENCY the number of
// loading lanes (each lane owns its own sessions, so lanes never wait on each other's rows). A figure that misses its target prints
// EXPLAIN (ANALYZE, BUFFERS) of its statements on stderr (SCALE_EXPLAIN=1: every figure's).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp } from '../dist/src/app.factory.js';
import { loadConfig } from '../dist/src/config/app-config.js';
import { SqlConnection } from '../dist/src/database/sql-connection.js';
import { SqlPool } from '../dist/src/database/sql-pool.js';
import { startEmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';
import { SessionLifecycle } from '../dist/src/lifecycle/lifecycle.js';
import { ReportsService } from '../dist/src/reports/reports.service.js';
import { SessionReporter } from '../dist/src/reports/session-reporter.js';
import { SessionsRepository } from '../dist/src/sessions/sessions.repository.js';

const size = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};
const SESSIONS = size('SCALE_SESSIONS', 10_000);
const SUMMARY_SESSIONS = size('SCALE_SUMMARY_SESSIONS', 100_000);
const LIVE_SESSIONS = size('SCALE_LIVE_SESSIONS', 100_000);
const SWEEP_SESSIONS = size('SCALE_SWEEP_SESSIONS', 100_000);
const START_SESSIONS = size('SCALE_START_SESSIONS', 1_000);
const LANES = Math.max(1, size('SCALE_CONCURRENCY', 4));
const EXPLAIN_ALWAYS = process.env.SCALE_EXPLAIN === '1';
const EVENTS_PER_SESSION = 200;
const BATCH = 500;
const MEDIA_IDS = 10;
/** The 100,000-session parts spread their sessions over more titles, as a catalogue would. */
const WIDE_MEDIA_IDS = 1_000;
const RUNS = 5;
const SUMMARY_TARGET_MS = 1000;
const WIDE_SUMMARY_TARGET_MS = 500;
const LIVE_TARGET_MS = 200;
const SWEEP_TARGET_MS = 10_000;
/** A large sessionStart's params: about 32 KB of members that do not compress. */
const LARGE_START_MEMBERS = 400;
const LARGE_START_TARGET = 1.15;
/** Session starts per call, as the service batches them. */
const START_BATCH = 50;
/** SessionSweeper's batch (its BATCH_SIZE): the sweep below makes the sweeper's calls. */
const SWEEP_BATCH = 1_000;
/** The live view counts sessions heard from in this window (reports.repository.ts). */
const LIVE_WINDOW_MS = 30_000;
const DATABASE = 'mca_scale';
const T0 = 1_760_000_000_000;

const silentLogger = { log() {}, error() {}, warn() {} };
const elapsedMs = (since) => Number(process.hrtime.bigint() - since) / 1e6;
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const count = (n) => n.toLocaleString('en-US');
const mib = (bytes) => `${round(bytes / 2 ** 20)} MiB`;
const emit = (line) => console.log(JSON.stringify(line));
const progress = (text) => process.stderr.write(`# ${text}\n`);
const newSignal = () => new AbortController().signal;

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

/** A session's params as a player sends them on its sessionStart. */
function sessionParams(index, mediaId, mediaLength, mediaIds) {
  return {
    'media.playerName': 'bench-player',
    'analytics.trackingServer': 'bench.example.com',
    'analytics.reportSuite': 'bench-rsid',
    'analytics.visitorId': `visitor-${index}`,
    'media.contentType': 'VOD',
    'media.length': mediaLength,
    'media.id': mediaId,
    'visitor.marketingCloudOrgId': 'bench-org',
    'media.name': `Bench title ${index % mediaIds}`,
    'media.channel': `channel-${index % 3}`,
    'media.sdkVersion': 'va-api-0.0.0',
    'analytics.enableSSL': false,
  };
}

/** A NewSession for the repository; the sessionStart (events[0]) carries the params. */
function newSession(index, params, events) {
  events[0].params = params;
  events[0].customMetadata = { cohort: `c${index % 5}` };
  return {
    id: randomBytes(32).toString('hex'),
    reportSuite: params['analytics.reportSuite'],
    mediaId: params['media.id'],
    contentType: params['media.contentType'],
    mediaLength: params['media.length'],
    params,
    downloaded: false,
    retries: 0,
    events,
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

  return newSession(index, sessionParams(index, mediaId, playhead, MEDIA_IDS), events);
}

/**
 * The first events of a session as a player sends them (sessionStart, play with its QoE, a ping
 * 10 s on), then `rest(ts, playhead)`'s events.
 */
function shortSession(index, random, rest = () => []) {
  const mediaId = `media-${index % WIDE_MEDIA_IDS}`;
  const start = T0 + index * 7_919;
  const play = start + 800 + Math.floor(random() * 1200);
  const events = [
    { eventType: 'sessionStart', ts: start, playhead: 0 },
    {
      eventType: 'play',
      ts: play,
      playhead: 0,
      qoeData: {
        'media.qoe.timeToStart': play - start,
        'media.qoe.bitrate': 1_000_000 * (2 + Math.floor(random() * 4)),
      },
    },
    { eventType: 'ping', ts: play + 10_000, playhead: 10 },
    ...rest(play + 10_000, 10),
  ];
  return newSession(index, sessionParams(index, mediaId, 1_800, WIDE_MEDIA_IDS), events);
}

/** A closed session of 4 events: sessionStart, play, ping, sessionEnd. */
const closedSession = (index, random) =>
  shortSession(index, random, (ts, playhead) => [
    { eventType: 'sessionEnd', ts: ts + 500, playhead },
  ]);

/** The live view's states, and the events after the sessionStart that put a session in each. */
const LIVE_STATES = ['starting', 'playing', 'paused', 'buffering', 'inAd'];

/** An open session in player state `LIVE_STATES[index % 5]`. */
function liveSession(index, random) {
  const state = LIVE_STATES[index % LIVE_STATES.length];
  const session = shortSession(index, random, (ts, playhead) => {
    if (state === 'paused') return [{ eventType: 'pauseStart', ts: ts + 1, playhead }];
    if (state === 'buffering') return [{ eventType: 'bufferStart', ts: ts + 1, playhead }];
    if (state === 'inAd')
      return [
        {
          eventType: 'adBreakStart',
          ts: ts + 1,
          playhead,
          params: { 'media.ad.podIndex': 1, 'media.ad.podSecond': playhead },
        },
        {
          eventType: 'adStart',
          ts: ts + 2,
          playhead,
          params: { 'media.ad.id': `ad-${index % 7}`, 'media.ad.length': 30 },
        },
      ];
    return [];
  });
  // A session still starting has sent nothing after its sessionStart.
  if (state === 'starting') session.events.length = 1;
  return session;
}

/** Why a sweep session is to close: its limit that the backdate puts behind it. */
const SWEEP_KINDS = ['idle', 'stalled', 'max-duration', 'complete'];

/** An open session that closes as `SWEEP_KINDS[index % 4]` once backdated (see `backdate`). */
const sweepSession = (index, random) =>
  shortSession(index, random, (ts, playhead) =>
    SWEEP_KINDS[index % SWEEP_KINDS.length] === 'complete'
      ? [{ eventType: 'sessionComplete', ts: ts + 5_000, playhead: playhead + 5 }]
      : [],
  );

/**
 * The PostgreSQL server: the DATABASE_URL one, or an embedded one. `fresh(name)` (re)creates a
 * database on it and gives its URL; `drop(name)` drops it.
 */
async function openServer() {
  const given = process.env.DATABASE_URL;
  let admin = given;
  let stopEmbedded = async () => {};
  let kind = 'server';
  if (!given) {
    kind = 'embedded';
    const dir = await mkdtemp(join(tmpdir(), 'mca-scale-'));
    // PostgreSQL runs as its own user when this runs as root; it must reach its folder.
    await chmod(dir, 0o755);
    try {
      const postgres = await startEmbeddedPostgres({
        dataDir: join(dir, 'postgres'),
        database: DATABASE,
        log: () => {},
      });
      const url = new URL(postgres.url);
      url.pathname = '/postgres';
      admin = url.toString();
      stopEmbedded = async () => {
        await postgres.stop();
        await rm(dir, { recursive: true, force: true });
      };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const created = new Set();
  const onAdmin = async (sql) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const drop = async (name) => {
    await onAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    created.delete(name);
  };
  return {
    kind,
    async fresh(name) {
      await onAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await onAdmin(`CREATE DATABASE ${name}`);
      created.add(name);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return url.toString();
    },
    drop,
    async close() {
      for (const name of [...created]) await drop(name).catch(() => undefined);
      await stopEmbedded();
    },
  };
}

/**
 * Loads `total` sessions made by `make(index, random)`: each lane takes windows of 500 sessions,
 * creates them in one createSessions call, then appends their other events in batches of 500 that
 * carry the next event of every session in the window that has one (as 500 players pinging at
 * once would). Returns `keep(session)` of every session, in index order.
 */
async function load(repository, total, make, keep = () => undefined) {
  const windows = Math.ceil(total / BATCH);
  const kept = new Array(total);
  const every = Math.max(2_500, Math.ceil(total / 10 / BATCH) * BATCH);
  let nextWindow = 0;
  let events = 0;
  let rejected = 0;
  let done = 0;
  const lane = async () => {
    for (let w = nextWindow++; w < windows; w = nextWindow++) {
      const first = w * BATCH;
      const random = prng(first + 1);
      const sessions = [];
      for (let i = first; i < Math.min(first + BATCH, total); i += 1)
        sessions.push(make(i, random));
      const stored = await repository.createSessions(
        sessions.map((s) => ({ ...s, events: s.events.slice(0, 1) })),
      );
      // A session whose id shares its first 8 bytes with another's is refused (1 in 2^64).
      if (stored.some((ok) => !ok)) throw new Error('a session was not stored');
      events += sessions.length;
      const longest = Math.max(...sessions.map((s) => s.events.length));
      const perBatch = Math.max(1, Math.floor(BATCH / sessions.length));
      for (let k = 1; k < longest; k += perBatch) {
        const batch = [];
        for (let j = k; j < Math.min(k + perBatch, longest); j += 1)
          for (const s of sessions)
            if (j < s.events.length) batch.push({ sessionId: s.id, ...s.events[j] });
        const { outcomes } = await repository.appendEvents(batch);
        for (const outcome of outcomes) if (outcome !== 'accepted') rejected += 1;
        events += batch.length;
      }
      sessions.forEach((s, i) => (kept[first + i] = keep(s)));
      done += sessions.length;
      if (done % every < BATCH) progress(`loaded ${done} sessions`);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: LANES }, lane));
  const ms = elapsedMs(start);
  if (rejected > 0) throw new Error(`${rejected} events were not accepted`);
  return { ms, events, kept };
}

/** Appends `events` (one per session at most) in batches of 500 over the lanes. */
async function appendAll(repository, events) {
  let next = 0;
  let rejected = 0;
  const lane = async () => {
    for (let at = next; at < events.length; at = next) {
      next += BATCH;
      const { outcomes } = await repository.appendEvents(events.slice(at, at + BATCH));
      for (const outcome of outcomes) if (outcome !== 'accepted') rejected += 1;
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: LANES }, lane));
  if (rejected > 0) throw new Error(`${rejected} events were not accepted`);
  return elapsedMs(start);
}

/** Stores every closed session's report through the report worker. */
async function reportAll(reporter, db, expected) {
  const start = process.hrtime.bigint();
  let reported = 0;
  for (
    let n = await reporter.reportClosedSessions();
    n > 0;
    n = await reporter.reportClosedSessions()
  )
    reported += n;
  const ms = elapsedMs(start);
  const stored = await single(db, 'SELECT count(*)::int AS n FROM session_reports');
  if (stored.n !== expected) throw new Error(`${stored.n} reports stored, expected ${expected}`);
  return { reported, ms, sessionsPerSecond: Math.round(reported / (ms / 1000)) };
}

async function single(db, sql, values) {
  const { rows } = await db.query(sql, values);
  return rows[0];
}

/** The tables (or indexes) that hold `relation`'s rows: its partitions, or itself. */
const leaves = (relation) =>
  `(SELECT t.relid FROM pg_partition_tree(${relation}) t WHERE t.isleaf
    UNION ALL SELECT ${relation}::regclass WHERE NOT EXISTS (SELECT FROM pg_partition_tree(${relation})))`;

/**
 * Bytes on disk per row (table, TOAST and indexes, dead row versions included; of every partition
 * of a partitioned table) and the average size of one live row's tuple, which tells bloat from data.
 */
async function storage(db, relation, table) {
  const row = await single(
    db,
    `SELECT (SELECT sum(pg_total_relation_size(l.relid)) FROM ${leaves(`'${relation}'`)} l(relid))::float8
              AS bytes,
            count(*)::int AS rows, avg(pg_column_size(r.*))::float8 AS tuple FROM ${relation} r`,
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
  table.push({
    measurement: `storage ${relation}`,
    size: `${count(row.rows)} rows`,
    figure: `${mib(row.bytes)}, ${perRow} B/row (live tuple ${round(row.tuple)} B)`,
  });
}

/**
 * A relation's bytes on disk in parts, summed over its partitions (a table that is not
 * partitioned is its own one): the table itself (main fork, free space map, visibility map), its
 * TOAST (with the TOAST index) and each of its indexes.
 */
async function relationParts(db, relation) {
  const row = await single(
    db,
    `SELECT sum(pg_relation_size(c.oid, 'main') + pg_relation_size(c.oid, 'fsm')
                + pg_relation_size(c.oid, 'vm'))::float8 AS heap,
            sum(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::float8 AS toast,
            sum(pg_indexes_size(c.oid))::float8 AS indexes,
            sum(pg_total_relation_size(c.oid))::float8 AS total,
            count(*)::int AS partitions,
            (SELECT count(*) FROM ${relation})::int AS rows
       FROM ${leaves(`'${relation}'`)} l(relid) JOIN pg_class c ON c.oid = l.relid`,
  );
  const { rows: indexes } = await db.query(
    `SELECT i.indexrelid::regclass::text AS name,
            (SELECT sum(pg_relation_size(l.relid)) FROM ${leaves('i.indexrelid')} l(relid))::float8 AS bytes
       FROM pg_index i WHERE i.indrelid = '${relation}'::regclass ORDER BY 1`,
  );
  const sum = row.heap + row.toast + row.indexes;
  if (sum !== row.total)
    throw new Error(`${relation}: its parts add up to ${sum}, not ${row.total}`);
  const byIndex = Object.fromEntries(indexes.map((i) => [i.name, i.bytes]));
  const indexSum = indexes.reduce((total, i) => total + i.bytes, 0);
  if (indexSum !== row.indexes)
    throw new Error(`${relation}: its indexes add up to ${indexSum}, not ${row.indexes}`);
  return { ...row, byIndex };
}

/** Median and max of `runs` timed calls. */
async function timeRuns(runs, call) {
  const times = [];
  let result;
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    result = await call(i);
    times.push(elapsedMs(start));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { times, median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1), result };
}

const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|DECLARE|FETCH|CLOSE)\b/i;

/**
 * The statements `call` sends through the service's two pools (ingestion's SqlPool and the
 * reports pool's connections), each once with the values it last had.
 */
async function recordStatements(call) {
  const seen = new Map();
  let result;
  const restores = [SqlConnection.prototype, SqlPool.prototype].flatMap((proto) =>
    ['rows', 'preparedRows'].map((method) => {
      const original = proto[method];
      proto[method] = function (...args) {
        const [text, values] = method === 'rows' ? args : args.slice(1);
        if (!CONTROL.test(text)) seen.set(text, values ?? []);
        return original.apply(this, args);
      };
      return () => (proto[method] = original);
    }),
  );
  try {
    result = await call();
  } finally {
    for (const restore of restores) restore();
  }
  return { result, statements: [...seen].map(([text, values]) => ({ text, values })) };
}

/** EXPLAIN (ANALYZE, BUFFERS) of one statement, rolled back unless `commit`. */
async function explain(db, { text, values }, commit = false) {
  if (!commit) await db.query('BEGIN');
  try {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    if (!commit) await db.query('ROLLBACK');
  }
}

function printPlan(figure, text, plan) {
  process.stderr.write(
    `\n## EXPLAIN (ANALYZE, BUFFERS): ${figure}\n${text.replace(/\s+/g, ' ').trim()}\n${plan}\n`,
  );
}

/** One more call of a figure, recorded, and the plan of each statement it made. */
async function explainCall(db, figure, call) {
  for (const statement of (await recordStatements(call)).statements)
    printPlan(figure, statement.text, await explain(db, statement));
}

/** A row of the table for a figure with a target; a miss makes the run fail. */
function targetRow(table, misses, row, met) {
  table.push({ ...row, result: met ? 'met' : 'NOT met' });
  if (!met) misses.push(row.measurement);
}

/**
 * Runs `work` with a fresh database `name`, migrated by an application of its own (timers of
 * the report worker, sweeper and storage keeper held off: the bench calls what it measures
 * itself; the keeper's first round at start makes today's partition), and a connection of the
 * bench's own without the service's statement timeouts. Drops the database afterwards.
 */
async function withDatabase(server, state, name, work) {
  const url = await server.fresh(name);
  const config = loadConfig({
    DATABASE_URL: url,
    REPORTS_INTERVAL_MS: '3600000',
    SESSION_SWEEP_INTERVAL_MS: '3600000',
    STORAGE_INTERVAL_MS: '86400000',
    REPORTS_API_TOKEN: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config, { logger: silentLogger });
  state.app = app;
  const db = new pg.Client({ connectionString: url });
  try {
    await app.init();
    await db.connect();
    return await work(app, db);
  } finally {
    await db.end().catch(() => undefined);
    await app.close();
    state.app = undefined;
    await server.drop(name);
  }
}

/** The 10,000 × 200-event load, its reports and summary, and its bytes on disk. */
async function vodPart(app, db, table, misses) {
  const repository = app.get(SessionsRepository);
  const reporter = app.get(SessionReporter);
  const reports = app.get(ReportsService);

  const from = new Date(Date.now() - 60_000);
  const loaded = await load(repository, SESSIONS, vodSession);
  const eventsPerSecond = Math.round(loaded.events / (loaded.ms / 1000));
  emit({ case: 'load', events: loaded.events, ms: Math.round(loaded.ms), eventsPerSecond });
  table.push({
    measurement: 'load',
    size: `${count(loaded.events)} events`,
    figure: `${round(loaded.ms / 1000)} s, ${count(eventsPerSecond)} events/s`,
  });

  for (const relation of ['events', 'sessions', 'session_params'])
    await storage(db, relation, table);

  const report = await reportAll(reporter, db, SESSIONS);
  emit({
    case: 'report-sessions',
    sessions: report.reported,
    ms: Math.round(report.ms),
    sessionsPerSecond: report.sessionsPerSecond,
  });
  table.push({
    measurement: 'report closed sessions',
    size: `${count(report.reported)} sessions`,
    figure: `${round(report.ms / 1000)} s, ${count(report.sessionsPerSecond)} sessions/s`,
  });

  await storage(db, 'session_reports', table);

  const to = new Date(Date.now() + 60_000);
  await summaryRuns(db, reports, from, to, SESSIONS, SUMMARY_TARGET_MS, 'summary', table, misses);

  // Plain VACUUM: dead row versions become free space, but no file is rewritten or shrunk.
  await db.query('VACUUM sessions, session_params, events, session_reports');
  const events = await relationParts(db, 'events');
  const perEvent = (bytes) => round(bytes / events.rows);
  emit({
    case: 'bytes-per-event',
    vacuum: 'plain',
    events: events.rows,
    partitions: events.partitions,
    bytes: events.total,
    bytesPerEvent: perEvent(events.total),
    tablePerEvent: perEvent(events.heap),
    toastPerEvent: perEvent(events.toast),
    indexesPerEvent: perEvent(events.indexes),
    indexPerEvent: Object.fromEntries(
      Object.entries(events.byIndex).map(([name, bytes]) => [name, perEvent(bytes)]),
    ),
  });
  table.push({
    measurement: 'bytes per event after VACUUM',
    size: `${count(events.rows)} events`,
    figure:
      `${perEvent(events.total)} B/event (${mib(events.total)}): table ${perEvent(events.heap)}, ` +
      `TOAST ${perEvent(events.toast)}, indexes ${perEvent(events.indexes)} (` +
      Object.entries(events.byIndex)
        .map(([name, bytes]) => `${name} ${perEvent(bytes)}`)
        .join(', ') +
      ')',
    target: '—',
    result: '—',
  });

  const sessions = await relationParts(db, 'sessions');
  const params = await relationParts(db, 'session_params');
  const stored = await relationParts(db, 'session_reports');
  const all = sessions.total + params.total + stored.total;
  const perSession = (bytes) => round(bytes / sessions.rows);
  const part = (r) => ({
    total: perSession(r.total),
    table: perSession(r.heap),
    toast: perSession(r.toast),
    indexes: perSession(r.indexes),
  });
  emit({
    case: 'bytes-per-session',
    vacuum: 'plain',
    sessions: sessions.rows,
    bytes: all,
    bytesPerSession: perSession(all),
    sessionsTable: part(sessions),
    sessionParams: part(params),
    sessionReports: part(stored),
  });
  const parts = (label, r) =>
    `${label} ${perSession(r.total)} (table ${perSession(r.heap)}, TOAST ${perSession(r.toast)}, indexes ${perSession(r.indexes)})`;
  table.push({
    measurement: 'bytes per session after VACUUM',
    size: `${count(sessions.rows)} sessions`,
    figure: `${perSession(all)} B/session: ${parts('sessions', sessions)}; ${parts('session_params', params)}; ${parts('session_reports', stored)}`,
    target: '—',
    result: '—',
  });
}

/** ReportsService.summary over [from, to), ungrouped, by day and by media, `RUNS` times each. */
async function summaryRuns(db, reports, from, to, expected, targetMs, label, table, misses) {
  for (const groupBy of [undefined, 'day', 'media.id']) {
    const call = () => reports.summary(from, to, groupBy, newSignal());
    const run = await timeRuns(RUNS, call);
    const starts = run.result.reduce((sum, row) => sum + row.mediaStarts, 0);
    if (starts !== expected)
      throw new Error(`summary counted ${starts} starts, expected ${expected}`);
    const met = run.max < targetMs;
    emit({
      case: label,
      groupBy: groupBy ?? null,
      groups: run.result.length,
      mediaStarts: starts,
      runs: RUNS,
      runsMs: run.times.map((ms) => round(ms)),
      medianMs: round(run.median),
      maxMs: round(run.max),
      targetMs,
    });
    targetRow(
      table,
      misses,
      {
        measurement: `${label} ${groupBy ?? '(all)'}`,
        size: `${count(expected)} sessions, ${count(run.result.length)} groups`,
        figure: `median ${round(run.median)} ms, max ${round(run.max)} ms`,
        target: `< ${targetMs} ms`,
      },
      met,
    );
    if (!met || EXPLAIN_ALWAYS) await explainCall(db, `${label} ${groupBy ?? '(all)'}`, call);
  }
}

/** 100,000 closed sessions of 4 events with stored reports, and the summary over them. */
async function summaryPart(app, db, table, misses) {
  const repository = app.get(SessionsRepository);
  const from = new Date(Date.now() - 60_000);
  const loaded = await load(repository, SUMMARY_SESSIONS, closedSession);
  loadRow(table, 'load closed sessions of 4 events', loaded, SUMMARY_SESSIONS);
  const report = await reportAll(app.get(SessionReporter), db, SUMMARY_SESSIONS);
  emit({
    case: 'summary-wide-reports',
    sessions: report.reported,
    ms: Math.round(report.ms),
    sessionsPerSecond: report.sessionsPerSecond,
  });
  table.push({
    measurement: 'report closed sessions of 4 events',
    size: `${count(report.reported)} sessions`,
    figure: `${round(report.ms / 1000)} s, ${count(report.sessionsPerSecond)} sessions/s`,
  });
  const unreported = await single(
    db,
    'SELECT count(*)::int AS n FROM sessions WHERE closed_at IS NULL OR reported_at IS NULL',
  );
  if (unreported.n !== 0) throw new Error(`${unreported.n} sessions are open or unreported`);
  await db.query('VACUUM ANALYZE sessions, events, session_reports');
  const to = new Date(Date.now() + 60_000);
  await summaryRuns(
    db,
    app.get(ReportsService),
    from,
    to,
    SUMMARY_SESSIONS,
    WIDE_SUMMARY_TARGET_MS,
    'summary of stored reports',
    table,
    misses,
  );
}

function loadRow(table, measurement, loaded, sessions) {
  const eventsPerSecond = Math.round(loaded.events / (loaded.ms / 1000));
  emit({
    case: 'load-short',
    what: measurement,
    sessions,
    events: loaded.events,
    ms: Math.round(loaded.ms),
    eventsPerSecond,
  });
  table.push({
    measurement,
    size: `${count(sessions)} sessions, ${count(loaded.events)} events`,
    figure: `${round(loaded.ms / 1000)} s, ${count(eventsPerSecond)} events/s`,
  });
}

/** 100,000 open sessions heard from in the last 30 s, and the live view over them. */
async function livePart(app, db, table, misses) {
  const repository = app.get(SessionsRepository);
  const reports = app.get(ReportsService);
  const loaded = await load(repository, LIVE_SESSIONS, liveSession, (s) => ({
    sessionId: s.id,
    eventType: 'ping',
    ts: s.events.at(-1).ts + 10_000,
    playhead: s.events.at(-1).playhead,
  }));
  loadRow(table, 'load open sessions', loaded, LIVE_SESSIONS);
  await db.query('VACUUM ANALYZE sessions, events');
  // Every player then pings once (its playhead unmoved), so that all are heard from within the
  // live view's window however long the load took.
  const pings = loaded.kept;
  const heardFrom = Date.now();
  const pingMs = await appendAll(repository, pings);
  emit({ case: 'live-pings', pings: pings.length, ms: Math.round(pingMs) });

  const expected = { total: LIVE_SESSIONS };
  LIVE_STATES.forEach((state, i) => {
    expected[state] = Math.floor((LIVE_SESSIONS - i + LIVE_STATES.length - 1) / LIVE_STATES.length);
  });
  const call = () => reports.live(newSignal());
  const run = await timeRuns(RUNS, call);
  const late =
    Date.now() - heardFrom > LIVE_WINDOW_MS
      ? ' (the pings and the runs took longer than the live window: shrink SCALE_LIVE_SESSIONS)'
      : '';
  const view = run.result;
  for (const [key, n] of Object.entries(expected))
    if (view[key] !== n)
      throw new Error(`the live view counted ${view[key]} ${key}, not ${n}${late}`);
  if (view.topMedia.length !== Math.min(10, WIDE_MEDIA_IDS, LIVE_SESSIONS))
    throw new Error(`the live view listed ${view.topMedia.length} media`);
  const met = run.max < LIVE_TARGET_MS;
  emit({
    case: 'live',
    openSessions: view.total,
    states: Object.fromEntries(LIVE_STATES.map((state) => [state, view[state]])),
    runs: RUNS,
    runsMs: run.times.map((ms) => round(ms)),
    medianMs: round(run.median),
    maxMs: round(run.max),
    targetMs: LIVE_TARGET_MS,
  });
  targetRow(
    table,
    misses,
    {
      measurement: 'live view',
      size: `${count(view.total)} open sessions`,
      figure: `median ${round(run.median)} ms, max ${round(run.max)} ms`,
      target: `< ${LIVE_TARGET_MS} ms`,
    },
    met,
  );
  if (!met || EXPLAIN_ALWAYS) await explainCall(db, 'live view', call);
}

/**
 * 1,000 sessions started with large params (hex that does not compress), and the bytes on disk
 * their starts added, per byte of params sent: the params are stored once.
 */
async function largeStartPart(app, db, table, misses) {
  const repository = app.get(SessionsRepository);
  const relations = ['sessions', 'session_params', 'events'];
  const bytesOnDisk = async () => {
    let total = 0;
    for (const relation of relations) total += (await relationParts(db, relation)).total;
    return total;
  };
  const before = await bytesOnDisk();
  const random = prng(7);
  const hex = () =>
    Array.from({ length: 8 }, () =>
      Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join('');
  let sent = 0;
  for (let first = 0; first < START_SESSIONS; first += START_BATCH) {
    const sessions = [];
    for (let i = first; i < Math.min(first + START_BATCH, START_SESSIONS); i += 1) {
      const params = sessionParams(i, `media-${i % MEDIA_IDS}`, 3600, MEDIA_IDS);
      for (let k = 0; k < LARGE_START_MEMBERS; k += 1) params[`custom.member${k}`] = hex();
      sent += Buffer.byteLength(JSON.stringify(params));
      sessions.push(
        newSession(i, params, [{ eventType: 'sessionStart', ts: T0 + i, playhead: 0 }]),
      );
    }
    const stored = await repository.createSessions(sessions);
    if (stored.some((ok) => !ok)) throw new Error('a session was not stored');
  }
  await db.query(`VACUUM ${relations.join(', ')}`);
  const added = (await bytesOnDisk()) - before;
  const perByte = round(added / sent, 3);
  const met = perByte <= LARGE_START_TARGET;
  emit({
    case: 'large-start',
    sessions: START_SESSIONS,
    sentBytes: sent,
    addedBytes: added,
    perByte,
  });
  targetRow(
    table,
    misses,
    {
      measurement: 'large sessionStart on disk per byte sent',
      size: `${count(START_SESSIONS)} starts of ${round(sent / START_SESSIONS / 1024)} KB params`,
      figure: `${perByte} bytes/byte (${mib(added)} for ${mib(sent)} sent)`,
      target: `≤ ${LARGE_START_TARGET}`,
    },
    met,
  );
}

/**
 * 100,000 open sessions put past one of their limits by one UPDATE, then the sweep that closes
 * them: closeExpiredSessions in the sweeper's batches until a batch comes back short, as
 * SessionSweeper.sweepOnce does. The batch that takes the sweep past half runs as EXPLAIN
 * (ANALYZE, BUFFERS), committed: its plan is printed if the sweep misses its target.
 */
async function sweepPart(app, db, table, misses) {
  const repository = app.get(SessionsRepository);
  const lifecycle = app.get(SessionLifecycle);
  const { limits } = lifecycle;
  const loaded = await load(repository, SWEEP_SESSIONS, sweepSession, (s) => s.id);
  loadRow(table, 'load sessions to expire', loaded, SWEEP_SESSIONS);

  // Seconds ago of each session's creation, last playhead move and last event, so that the limit
  // of its kind passed 100 s ago and the others have not. (Its day, which places its events,
  // stays: the sweep does not read it.)
  const ago = {
    idle: [limits.idleSeconds + 100, limits.idleSeconds + 100, limits.idleSeconds + 100],
    stalled: [limits.stallSeconds + 100, limits.stallSeconds + 100, 100],
    'max-duration': [limits.maxDurationSeconds + 100, 100, 100],
    complete: [
      limits.completeGraceSeconds + 100,
      limits.completeGraceSeconds + 100,
      limits.completeGraceSeconds + 100,
    ],
  };
  const kinds = loaded.kept.map((_, i) => SWEEP_KINDS[i % SWEEP_KINDS.length]);
  await db.query(
    `UPDATE sessions s SET created_at = now() - b.created * interval '1 second',
                           playhead_moved_at = now() - b.moved * interval '1 second',
                           last_event_at = now() - b.last * interval '1 second'
       FROM unnest($1::bytea[], $2::float8[], $3::float8[], $4::float8[]) AS b(id, created, moved, last)
      WHERE s.id = b.id`,
    [
      loaded.kept.map((id) => Buffer.from(id, 'hex')),
      ...[0, 1, 2].map((column) => kinds.map((kind) => ago[kind][column])),
    ],
  );
  // Sessions that expire by age are never updated: their table holds no dead rows of the backdate.
  await db.query('VACUUM ANALYZE sessions, events');
  const pastLimit = lifecycle.statement(
    0,
    (l) => `SELECT count(*) FILTER (WHERE ${l.notMarkedClosed('s')})::int AS open,
                   count(*) FILTER (WHERE ${l.notMarkedClosed('s')} AND NOT (${l.withinLimits('s')}))::int AS expired
              FROM sessions s`,
  );
  const before = await single(db, pastLimit.text, pastLimit.values([]));
  if (before.expired !== SWEEP_SESSIONS)
    throw new Error(`${before.expired} sessions past their limit, expected ${SWEEP_SESSIONS}`);

  const batches = [];
  let closed = 0;
  let statement;
  let plan;
  const start = process.hrtime.bigint();
  for (let more = true; more;) {
    const batchStart = process.hrtime.bigint();
    let n;
    if (!statement) {
      const recorded = await recordStatements(() => repository.closeExpiredSessions(SWEEP_BATCH));
      [statement] = recorded.statements;
      n = recorded.result.length;
    } else if (!plan && closed >= SWEEP_SESSIONS / 2 && SWEEP_SESSIONS - closed > SWEEP_BATCH) {
      // More than a batch is left, so this batch is a full one, as the sweep's would be.
      plan = await explain(db, statement, true);
      n = SWEEP_BATCH;
    } else {
      n = (await repository.closeExpiredSessions(SWEEP_BATCH)).length;
    }
    closed += n;
    more = n === SWEEP_BATCH;
    batches.push(elapsedMs(batchStart));
  }
  const ms = elapsedMs(start);
  const after = await single(db, pastLimit.text, pastLimit.values([]));
  const { rows: reasons } = await db.query(
    `SELECT close_reason AS reason, count(*)::int AS n FROM sessions GROUP BY 1 ORDER BY 1`,
  );
  const byReason = Object.fromEntries(reasons.map((r) => [r.reason ?? 'open', r.n]));
  for (const kind of SWEEP_KINDS) {
    const expected = kinds.filter((k) => k === kind).length;
    if ((byReason[kind] ?? 0) !== expected)
      throw new Error(`${byReason[kind] ?? 0} sessions closed as ${kind}, expected ${expected}`);
  }
  const sorted = [...batches].sort((a, b) => a - b);
  const met = ms < SWEEP_TARGET_MS && after.expired === 0;
  emit({
    case: 'sweep',
    sessions: SWEEP_SESSIONS,
    batches: batches.length,
    batchSize: SWEEP_BATCH,
    ms: Math.round(ms),
    firstBatchMs: round(batches[0]),
    lastBatchMs: round(batches.at(-1)),
    medianBatchMs: round(sorted[Math.floor(sorted.length / 2)]),
    maxBatchMs: round(sorted.at(-1)),
    closedByReason: byReason,
    leftOpen: after.open,
    leftOpenPastLimit: after.expired,
    targetMs: SWEEP_TARGET_MS,
  });
  targetRow(
    table,
    misses,
    {
      measurement: 'sweep of expired sessions',
      size: `${count(SWEEP_SESSIONS)} sessions, ${batches.length} batches of ${count(SWEEP_BATCH)}`,
      figure:
        `${round(ms / 1000, 2)} s (batches: first ${round(batches[0])} ms, median ` +
        `${round(sorted[Math.floor(sorted.length / 2)])} ms, max ${round(sorted.at(-1))} ms, ` +
        `last ${round(batches.at(-1))} ms); ` +
        `${after.expired} left open past their limit`,
      target: `< ${SWEEP_TARGET_MS / 1000} s, 0 left`,
    },
    met,
  );
  if (plan && (!met || EXPLAIN_ALWAYS)) printPlan('sweep, its middle batch', statement.text, plan);
}

async function main() {
  const server = await openServer();
  const state = { app: undefined };
  const cleanup = async () => {
    await state.app?.close();
    state.app = undefined;
    await server.close();
  };
  const interrupted = (signal) => {
    progress(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const table = [];
  const misses = [];
  try {
    const parts = [
      ['', SESSIONS, vodPart],
      ['_summary', SUMMARY_SESSIONS, summaryPart],
      ['_live', LIVE_SESSIONS, livePart],
      ['_sweep', SWEEP_SESSIONS, sweepPart],
      ['_start', START_SESSIONS, largeStartPart],
    ];
    let first = true;
    for (const [suffix, sessions, part] of parts) {
      if (sessions === 0) continue;
      progress(`${part.name}: ${sessions} sessions`);
      await withDatabase(server, state, `${DATABASE}${suffix}`, async (app, db) => {
        if (first) {
          const { server_version: postgres } = await single(db, 'SHOW server_version');
          const { fsync } = await single(db, 'SHOW fsync');
          emit({
            case: 'setup',
            database: server.kind,
            postgres,
            fsync,
            sessions: SESSIONS,
            eventsPerSession: EVENTS_PER_SESSION,
            summarySessions: SUMMARY_SESSIONS,
            liveSessions: LIVE_SESSIONS,
            sweepSessions: SWEEP_SESSIONS,
            startSessions: START_SESSIONS,
            batch: BATCH,
            lanes: LANES,
          });
          first = false;
        }
        await part(app, db, table, misses);
      });
    }

    console.log('');
    console.log('| measurement | size | figure | target | result |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const row of table)
      console.log(
        `| ${row.measurement} | ${row.size} | ${row.figure} | ${row.target ?? '—'} | ${row.result ?? '—'} |`,
      );
    if (misses.length > 0) {
      console.error(`targets not met: ${misses.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

await main();
