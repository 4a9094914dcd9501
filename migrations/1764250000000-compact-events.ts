import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The event types as stored, by code (a smallint instead of a text on every event row). Frozen:
 * a code never changes meaning; a new event type is a new code in a new migration.
 */
export const EVENT_TYPE_CODES: readonly string[] = [
  'sessionStart',
  'play',
  'ping',
  'pauseStart',
  'bufferStart',
  'bitrateChange',
  'error',
  'adBreakStart',
  'adBreakComplete',
  'adStart',
  'adComplete',
  'adSkip',
  'chapterStart',
  'chapterComplete',
  'chapterSkip',
  'stateStart',
  'stateEnd',
  'statesUpdate',
  'sessionComplete',
  'contentComplete',
  'sessionEnd',
];

/** Day numbers count UTC days from this date; a smallint holds them until 2109. */
const DAY_ZERO = `DATE '2020-01-01'`;
const dayOf = (timestamp: string) =>
  `((${timestamp} AT TIME ZONE 'UTC')::date - ${DAY_ZERO})::smallint`;
/** A partition's name says its UTC day: events_20261201. */
const partitionName = (day: string) => `'events_' || to_char(${DAY_ZERO} + ${day}, 'YYYYMMDD')`;

/** The advisory lock key that serialises partition creation ('mcaparts'). */
const PARTITION_LOCK = 0x6d63617061727473n.toString();

const cases = (column: string, pairs: Array<[string, string]>) =>
  `CASE ${column} ${pairs.map(([when, then]) => `WHEN ${when} THEN ${then}`).join(' ')} END`;

/**
 * Compact, partitioned events. Each session gets a compact key (its id's first 8 bytes, so a
 * statement that has the wire id knows the key without a lookup) and the UTC day it started;
 * events carry that key instead of the 32-byte id, their type as a code, and live in one
 * partition per session day, so retention drops whole partitions. One unique index serves both
 * the retry check and reading a session in ts order. A sessionStart's params are stored once, on
 * the session. No foreign key: events are written only for a session the statement holds locked,
 * and removed by dropping partitions, before their sessions are deleted; a key check per inserted
 * event, and a cascade through every partition per deleted session, would cost without guarding
 * anything.
 */
export class CompactEvents1764250000000 implements MigrationInterface {
  name = 'CompactEvents1764250000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION session_key(id bytea) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ('x' || encode(substring(id from 1 for 8), 'hex'))::bit(64)::bigint $$`);
    const codes = EVENT_TYPE_CODES.map((name, i) => [name, i + 1] as const);
    await db.query(`
      CREATE FUNCTION event_type_code(name text) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ${cases(
          'name',
          codes.map(([n, c]) => [`'${n}'`, `${c}::smallint`]),
        )} $$`);
    await db.query(`
      CREATE FUNCTION event_type_name(code smallint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ${cases(
          'code',
          codes.map(([n, c]) => [`${c}`, `'${n}'`]),
        )} $$`);
    // The retry key of the earlier schema, folded to 32 bits: it shares the session and ts, and the
    // service compares the bodies before it calls an event a retry.
    await db.query(`
      CREATE FUNCTION event_hash(event_type smallint, playhead float8, params jsonb, qoe_data jsonb,
                                 custom_metadata jsonb) RETURNS integer
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ((hashint2extended(event_type, 0) # hashfloat8extended(playhead, 4)
                   # jsonb_hash_extended(coalesce(nullif(params, '{}'), 'null'), 1)
                   # jsonb_hash_extended(coalesce(nullif(qoe_data, '{}'), 'null'), 2)
                   # jsonb_hash_extended(coalesce(nullif(custom_metadata, '{}'), 'null'), 3)) >> 32)::integer $$`);
    // The day is set once, when the session starts: its events stay in that day's partition.
    await db.query(`
      ALTER TABLE sessions
        ADD COLUMN key bigint GENERATED ALWAYS AS (session_key(id)) STORED,
        ADD COLUMN day smallint`);
    await db.query(`UPDATE sessions SET day = ${dayOf('created_at')}`);
    await db.query(`
      ALTER TABLE sessions ALTER COLUMN day SET NOT NULL, ALTER COLUMN day SET DEFAULT ${dayOf('now()')}`);
    await db.query(`ALTER TABLE sessions ADD CONSTRAINT sessions_key UNIQUE (key)`);
    // The tables are created under their final names: PostgreSQL names their constraints after them.
    await db.query(`ALTER TABLE events RENAME TO events_wide`);
    await db.query(`
      CREATE TABLE events (
        session_key     bigint NOT NULL,
        ts              bigint NOT NULL,
        playhead        double precision NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        seq             integer NOT NULL,
        day             smallint NOT NULL,
        event_type      smallint NOT NULL,
        params          jsonb,
        qoe_data        jsonb,
        custom_metadata jsonb
      ) PARTITION BY RANGE (day)`);
    // The partitions of days first..last that do not exist yet. Any instance may call it at any
    // time: the lock makes concurrent callers wait for each other instead of failing.
    await db.query(`
      CREATE FUNCTION create_event_partitions(first integer, last integer) RETURNS integer
        LANGUAGE plpgsql AS $$
      DECLARE d integer; created integer := 0;
      BEGIN
        PERFORM pg_advisory_xact_lock(${PARTITION_LOCK});
        FOR d IN first .. last LOOP
          IF to_regclass(${partitionName('d')}) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
                           ${partitionName('d')}, d, d + 1);
            created := created + 1;
          END IF;
        END LOOP;
        RETURN created;
      END $$`);
    // Every day that holds sessions, and the days around today: the service keeps creating them
    // ahead, but it must take sessions from its first start.
    await db.query(`
      SELECT create_event_partitions(d, d) FROM (SELECT DISTINCT day AS d FROM sessions) AS days`);
    await db.query(`SELECT create_event_partitions(${dayOf('now()')} - 1, ${dayOf('now()')} + 7)`);
    await db.query(`
      INSERT INTO events (session_key, ts, playhead, received_at, seq, day, event_type, params,
                                  qoe_data, custom_metadata)
      SELECT s.key, e.ts, e.playhead, e.received_at, e.seq, s.day, event_type_code(e.event_type),
             CASE WHEN e.seq = 1 AND e.event_type = 'sessionStart' AND e.params = s.params THEN NULL
                  ELSE e.params END,
             e.qoe_data, e.custom_metadata
        FROM events_wide e JOIN sessions s ON s.id = e.session_id`);
    await db.query(`DROP TABLE events_wide`);
    await db.query(`
      CREATE UNIQUE INDEX events_retry ON events
        (session_key, ts, event_hash(event_type, playhead, params, qoe_data, custom_metadata), day)`);
    // Events as readers want them: by session id, the type by name, the sessionStart with its
    // params. A reader's condition on session_id reaches one partition per session.
    await db.query(`
      CREATE VIEW session_events AS
      SELECT s.id AS session_id, e.seq, event_type_name(e.event_type) AS event_type, e.ts, e.playhead,
             CASE WHEN e.seq = 1 AND e.params IS NULL AND e.event_type = event_type_code('sessionStart')
                  THEN s.params ELSE e.params END AS params,
             e.qoe_data, e.custom_metadata, e.received_at
        FROM sessions s JOIN events e ON e.session_key = s.key AND e.day = s.day`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP VIEW session_events`);
    await db.query(`ALTER TABLE events RENAME TO events_compact`);
    await db.query(`
      CREATE TABLE events (
        session_id      bytea NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq             integer NOT NULL,
        event_type      text NOT NULL,
        ts              bigint NOT NULL,
        playhead        double precision NOT NULL,
        params          jsonb,
        qoe_data        jsonb,
        custom_metadata jsonb,
        received_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, seq)
      )`);
    await db.query(`
      INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata,
                               received_at)
      SELECT s.id, e.seq, event_type_name(e.event_type), e.ts, e.playhead,
             CASE WHEN e.seq = 1 AND e.event_type = event_type_code('sessionStart') AND e.params IS NULL
                  THEN s.params ELSE e.params END,
             e.qoe_data, e.custom_metadata, e.received_at
        FROM events_compact e JOIN sessions s ON s.key = e.session_key AND s.day = e.day`);
    await db.query(`DROP TABLE events_compact`);
    await db.query(`
      CREATE UNIQUE INDEX events_retry ON events
        (session_id, ts, event_key(event_type, playhead, params, qoe_data, custom_metadata))`);
    await db.query(`ALTER TABLE sessions DROP CONSTRAINT sessions_key`);
    await db.query(`ALTER TABLE sessions DROP COLUMN day, DROP COLUMN key`);
    await db.query(`DROP FUNCTION create_event_partitions(integer, integer)`);
    await db.query(`DROP FUNCTION event_hash(smallint, float8, jsonb, jsonb, jsonb)`);
    await db.query(`DROP FUNCTION event_type_name(smallint)`);
    await db.query(`DROP FUNCTION event_type_code(text)`);
    await db.query(`DROP FUNCTION session_key(bytea)`);
  }
}
