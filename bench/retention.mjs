// Retention run: `npm run bench:retention` (builds first). Simulates RETENTION_DAYS_SIMULATED days
// (default 45) of traffic, SESSIONS_PER_DAY sessions (default 2,000) of EVENTS_PER_SESSION events
// (default 50) a day, all closed and reported, with EVENTS_RETENTION_DAYS=30. Each simulated day it
// stores the day's sessions and events (SQL, as the service's statements store them), then runs
// StorageKeeper.keep with that day as the clock, and prints the events' size on disk and how long
// the round took (dropping a day once the first 30 have passed; target < 1 s). The size must level
// off at 30 days (+ the partitions made ahead, which are empty). Uses DATABASE_URL's server when
// set (a fresh database `mca_retention`, dropped at the end), otherwise an embedded PostgreSQL.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp } from '../dist/src/app.factory.js';
import { loadConfig } from '../dist/src/config/app-config.js';
import { startEmbeddedPostgres } from '../dist/src/database/embedded-postgres.js';
import { dayNumber, dayStart } from '../dist/src/sessions/storage-days.js';
import { SessionsRepository } from '../dist/src/sessions/sessions.repository.js';
import { StorageKeeper } from '../dist/src/sessions/storage-keeper.js';

const DAYS = Number(process.env.RETENTION_DAYS_SIMULATED ?? 45);
const SESSIONS_PER_DAY = Number(process.env.SESSIONS_PER_DAY ?? 2_000);
const EVENTS_PER_SESSION = Number(process.env.EVENTS_PER_SESSION ?? 50);
const RETENTION_DAYS = 30;
const DROP_TARGET_MS = 1_000;
const DATABASE = 'mca_retention';
const silentLogger = { log() {}, error() {}, warn() {} };
const emit = (line) => console.log(JSON.stringify(line));

async function openDatabase() {
  const given = process.env.DATABASE_URL;
  if (given) {
    const admin = new pg.Client({ connectionString: given });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const url = new URL(given);
    url.pathname = `/${DATABASE}`;
    return {
      url: url.toString(),
      async close() {
        const client = new pg.Client({ connectionString: given });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'mca-retention-'));
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'postgres'),
    database: DATABASE,
    log: () => {},
  });
  return {
    url: postgres.url,
    async close() {
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One simulated day's closed, reported sessions and their pings, in that day's partition. */
async function storeDay(db, day, index) {
  const at = dayStart(day).toISOString();
  await db.query(
    `INSERT INTO sessions (key, id, created_at, day, report_suite, media_id, content_type, media_length,
                           last_playhead, event_count, closed_at, close_reason, reported_at)
     SELECT session_key(i.id), i.id, $2::timestamptz, $3, 'rs', 'media-' || (g % 50), 'VOD', 3600, $4::float8, $4::int, $2::timestamptz + interval '1 hour', 'end', $2::timestamptz + interval '1 hour'
       FROM generate_series(1, $5::int) g,
            LATERAL (SELECT decode(rpad(lpad(to_hex($1::bigint * 10000000 + g), 16, '0'), 64, '0'), 'hex') AS id) i`,
    [index, at, day, EVENTS_PER_SESSION, SESSIONS_PER_DAY],
  );
  await db.query(
    `INSERT INTO session_params (session_key, params)
     SELECT key, jsonb_build_object('media.id', media_id, 'media.length', 3600, 'media.contentType', 'VOD',
                                    'analytics.reportSuite', 'rs')
       FROM sessions WHERE day = $1`,
    [day],
  );
  await db.query(
    `INSERT INTO events (session_key, day, seq, event_type, ts, playhead)
     SELECT s.key, s.day, i, event_type_code(CASE WHEN i = 1 THEN 'sessionStart' ELSE 'ping' END),
            1700000000000 + i * 10000, i * 10
       FROM sessions s, generate_series(1, $2::int) i
      WHERE s.day = $1`,
    [day, EVENTS_PER_SESSION],
  );
}

async function eventsBytes(db) {
  const { rows } = await db.query(
    `SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint AS bytes, count(*)::int AS partitions
       FROM pg_inherits WHERE inhparent = 'events'::regclass`,
  );
  return { mb: Math.round(Number(rows[0].bytes) / 1e5) / 10, partitions: rows[0].partitions };
}

async function main() {
  const database = await openDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REPORTS_INTERVAL_MS: '3600000',
    SESSION_SWEEP_INTERVAL_MS: '3600000',
    STORAGE_INTERVAL_MS: '86400000',
    EVENTS_RETENTION_DAYS: String(RETENTION_DAYS),
    REPORTS_API_TOKEN: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config, { logger: silentLogger });
  const db = new pg.Client({ connectionString: database.url });
  const rows = [];
  try {
    await app.init();
    await db.connect();
    const keeper = app.get(StorageKeeper);
    const first = dayNumber(new Date());
    for (let i = 0; i < DAYS; i += 1) {
      const day = first + i;
      // The clock a little into the day; its partition was made ahead by the earlier rounds.
      const now = new Date(dayStart(day).getTime() + 3_600_000);
      await app.get(SessionsRepository).createEventPartitions(day, day);
      await storeDay(db, day, i);
      await db.query('VACUUM events');
      const started = process.hrtime.bigint();
      const round = await keeper.keep(new Date(now.getTime() + 60_000));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const size = await eventsBytes(db);
      const row = {
        day: i + 1,
        ...size,
        roundMs: Math.round(ms),
        dropped: round.daysDropped.length,
      };
      rows.push(row);
      emit({ case: 'retention-day', ...row });
    }
  } finally {
    await db.end().catch(() => undefined);
    await app.close();
    await database.close();
  }
  const dropRounds = rows.filter((r) => r.dropped > 0);
  const worstDrop = Math.max(0, ...dropRounds.map((r) => r.roundMs));
  const steady = rows.slice(RETENTION_DAYS + 1).map((r) => r.mb);
  const flat =
    steady.length > 0 && Math.max(...steady) - Math.min(...steady) <= 0.05 * Math.max(...steady);
  const peak = Math.max(...rows.map((r) => r.mb));
  console.log(`\n| figure | value | target | |
| --- | ---: | --- | --- |
| events on disk after day ${RETENTION_DAYS} / day ${DAYS} (MB) | ${rows[RETENTION_DAYS - 1]?.mb} / ${rows.at(-1)?.mb} | flat after ${RETENTION_DAYS} days | ${flat ? 'met' : 'NOT met'} |
| peak events on disk (MB) | ${peak} | — | |
| slowest round that dropped a day (ms) | ${worstDrop} | < ${DROP_TARGET_MS} | ${dropRounds.length > 0 && worstDrop < DROP_TARGET_MS ? 'met' : 'NOT met'} |
| days dropped | ${rows.reduce((n, r) => n + r.dropped, 0)} | ${Math.max(0, DAYS - RETENTION_DAYS)} | |
`);
}

await main();
