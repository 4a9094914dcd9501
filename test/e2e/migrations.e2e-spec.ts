import pg from 'pg';
import { type MigrationInterface } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { sessionKey } from '../../src/lifecycle/session-key.js';
import { STORED_START_PARAMS as START_PARAMS } from '../support/stored-rows.js';
import { migrator, scratchDatabase } from '../support/scratch-database.js';

type Row = Record<string, unknown>;
/** What the catalogs say of the public schema, each part in a stable order and without OIDs. */
type Schema = Record<keyof typeof SCHEMA, Row[]>;
/** Every table's rows in primary-key order, with the columns that key them. */
type Data = Record<string, { key: string[]; rows: Row[] }>;

/**
 * Partitions (and their indexes) are left out: which days have one depends on the rows held and
 * on today, not on the migrations.
 */
const notAPartition = (oid: string) =>
  `NOT EXISTS (SELECT FROM pg_inherits WHERE inhrelid = ${oid})`;

const SCHEMA = {
  // No ordinal_position: PostgreSQL never reuses a dropped column's number, so a column that down
  // drops and up adds again comes back with a new one.
  columns: `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
                   character_maximum_length, numeric_precision, numeric_scale, datetime_precision,
                   collation_name, is_identity, is_generated, generation_expression
              FROM information_schema.columns
             WHERE table_schema = 'public'
               AND ${notAPartition(`format('%I', table_name)::regclass`)}
             ORDER BY table_name, column_name`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND ${notAPartition(`format('%I', tablename)::regclass`)}
             ORDER BY tablename, indexname`,
  constraints: `SELECT conrelid::regclass::text AS table_name, conname, contype,
                       pg_get_constraintdef(oid) AS definition, condeferrable, condeferred, convalidated
                  FROM pg_constraint
                 WHERE connamespace = 'public'::regnamespace AND ${notAPartition('conrelid')}
                 ORDER BY table_name, conname, definition`,
  functions: `SELECT proname, prokind, pg_get_function_identity_arguments(oid) AS arguments,
                     CASE WHEN prokind IN ('f', 'p') THEN pg_get_functiondef(oid) END AS definition
                FROM pg_proc
               WHERE pronamespace = 'public'::regnamespace
               ORDER BY proname, arguments`,
  // Tables, indexes, sequences and views with their storage options (the sessions' fillfactor).
  relations: `SELECT relname, relkind, reloptions FROM pg_class
               WHERE relnamespace = 'public'::regnamespace AND ${notAPartition('oid')}
               ORDER BY relname`,
  types: `SELECT typname, typtype FROM pg_type
           WHERE typnamespace = 'public'::regnamespace AND typtype IN ('d', 'e', 'r', 'm')
           ORDER BY typname`,
  triggers: `SELECT tgrelid::regclass::text AS table_name, tgname, pg_get_triggerdef(oid) AS definition
               FROM pg_trigger
              WHERE NOT tgisinternal AND ${notAPartition('tgrelid')}
                AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
              ORDER BY table_name, tgname`,
};

async function schemaOf(db: pg.Client): Promise<Schema> {
  const schema: Partial<Schema> = {};
  for (const [part, sql] of Object.entries(SCHEMA) as Array<[keyof Schema, string]>) {
    schema[part] = (await db.query<Row>(sql)).rows;
  }
  return schema as Schema;
}

/** Part by part, so that a failure names the catalog that differs. */
function expectSchema(actual: Schema, expected: Schema | undefined, when: string): void {
  expect(expected, when).toBeDefined();
  for (const part of Object.keys(SCHEMA) as Array<keyof Schema>) {
    expect(actual[part], `${when}: ${part}`).toEqual(expected?.[part]);
  }
}

const MIGRATIONS_TABLE = 'schema_migrations';

async function dataOf(db: pg.Client): Promise<Data> {
  const tables = await db.query<{ name: string; key: string[] }>(
    `SELECT c.relname AS name,
            array(SELECT a.attname::text
                    FROM pg_index i
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                   WHERE i.indrelid = c.oid AND i.indisprimary
                   ORDER BY array_position(i.indkey::int2[], a.attnum)) AS key
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $1
      ORDER BY c.relname`,
    [MIGRATIONS_TABLE],
  );
  const data: Data = {};
  for (const { name, key } of tables.rows) {
    const order = key.length > 0 ? key.map((c) => db.escapeIdentifier(c)).join(', ') : 't::text';
    const { rows } = await db.query<Row>(
      `SELECT * FROM ${db.escapeIdentifier(name)} t ORDER BY ${order}`,
    );
    data[name] = { key, rows };
  }
  return data;
}

function pick(row: Row, columns: string[]): Row {
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}

function show(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('hex') : JSON.stringify(value);
}

/** A row's primary key; a table without one is keyed by the whole row (on the given columns). */
function keyOf(row: Row, key: string[], columns: string[]): string {
  return (key.length > 0 ? key : columns).map((c) => show(row[c])).join('|');
}

/** For each row of `older`, the row of `newer` with its key, on the columns `older` has. */
function carriedOver(newer: Data, older: Data): Data {
  const result: Data = {};
  for (const [table, { key, rows }] of Object.entries(older)) {
    const columns = Object.keys(rows[0] ?? {});
    const byKey = new Map(
      (newer[table]?.rows ?? []).map((r) => [keyOf(r, key, columns), pick(r, columns)]),
    );
    result[table] = { key, rows: rows.map((r) => byKey.get(keyOf(r, key, columns)) ?? {}) };
  }
  return result;
}

/** Every row of `expected` is in `now` as it was; `now` may hold more rows and more columns. */
function expectKept(now: Data, expected: Data, when: string): void {
  for (const [table, { rows }] of Object.entries(expected)) {
    expect(now[table], `${when}: table ${table}`).toBeDefined();
    expect(carriedOver(now, expected)[table]?.rows, `${when}: rows of ${table}`).toEqual(rows);
  }
}

interface Column {
  column_name: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  is_generated: 'ALWAYS' | 'NEVER';
}

async function columnsOf(db: pg.Client, table: string): Promise<Map<string, Column>> {
  const { rows } = await db.query<Column>(
    `SELECT column_name, udt_name, is_nullable, column_default, is_identity, is_generated
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  return new Map(rows.map((c) => [c.column_name, c]));
}

/** A value for a required column the seed below does not know yet (one a later migration adds). */
function placeholder(column: Column): unknown {
  switch (column.udt_name) {
    case 'text':
    case 'varchar':
      return 'x';
    case 'bool':
      return false;
    case 'int2':
    case 'int4':
    case 'int8':
    case 'float4':
    case 'float8':
    case 'numeric':
      return 0;
    case 'json':
    case 'jsonb':
      return {};
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      return new Date('2026-01-05T09:00:00Z');
    default:
      throw new Error(`Give the seed a value for ${column.column_name} (${column.udt_name}).`);
  }
}

/**
 * Inserts a row with those of `values` the table has at this point of the migrations; a required
 * column without a default that `values` lacks gets a placeholder. A table not there yet is skipped.
 */
async function insert(db: pg.Client, table: string, values: Row): Promise<void> {
  const columns = await columnsOf(db, table);
  if (columns.size === 0) return;
  const row: Row = {};
  for (const column of columns.values()) {
    if (column.is_generated === 'ALWAYS') continue;
    if (column.column_name in values) row[column.column_name] = values[column.column_name];
    else if (
      column.is_nullable === 'NO' &&
      column.column_default === null &&
      column.is_identity === 'NO'
    ) {
      row[column.column_name] = placeholder(column);
    }
  }
  const names = Object.keys(row);
  const result = await db.query(
    `INSERT INTO ${db.escapeIdentifier(table)} (${names.map((n) => db.escapeIdentifier(n)).join(', ')})
     VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
  expect(result.rowCount).toBe(1);
}

type EventRow = [type: string, ts: number, playhead: number, params: unknown, qoe: unknown];

/**
 * Sessions, their events and reports as the schema after migration `step` can hold them, each
 * session id new to this step: an open session inside an ad break, a closed one with its report
 * and, where the schema allows them, what later releases added: a `complete` close, two events of
 * one type in one millisecond, a report without an average minute audience, a report set aside
 * as not computable.
 */
async function seed(db: pg.Client, step: number): Promise<void> {
  const reports = await columnsOf(db, 'session_reports');
  const repeatsStored =
    (await db.query(`SELECT FROM pg_indexes WHERE indexname = 'events_session_ts_type'`))
      .rowCount === 0;
  const completeClose =
    (
      await db.query(
        `SELECT FROM pg_constraint WHERE conname = 'sessions_close_reason_check'
            AND pg_get_constraintdef(oid) LIKE '%''complete''%'`,
      )
    ).rowCount === 1;
  const compact = (await columnsOf(db, 'events')).has('session_key');
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 10, step * 10 + minute));
  const id = (kind: number) => Buffer.alloc(32, kind).fill(step, 0, 1);

  async function session(
    kind: number,
    close: { reason: string; reported: boolean } | null,
    events: EventRow[],
    extra: Row = {},
  ): Promise<Buffer> {
    const sid = id(kind);
    await insert(db, 'sessions', {
      id: sid,
      key: sessionKey(sid.toString('hex')),
      created_at: at(0),
      report_suite: 'rs',
      media_id: `m${step}`,
      content_type: 'vod',
      media_length: 60,
      params: START_PARAMS,
      downloaded: false,
      closed_at: close && at(5),
      close_reason: close?.reason ?? null,
      last_event_at: at(1),
      last_playhead: 11,
      playhead_moved_at: at(1),
      event_count: events.length,
      reported_at: close?.reported ? at(6) : null,
      playback_state: 'playing',
      playback_ts: 1000,
      in_break: false,
      break_ts: 0,
      ad_event: null,
      ad_ts: 0,
      completed: false,
      retries: 0,
      stored_bytes: close ? 0 : 600,
      report_attempts: close?.reported ? 1 : 0,
      ...extra,
    });
    await insert(db, 'session_params', {
      session_key: sessionKey(sid.toString('hex')),
      params: START_PARAMS,
    });
    // Compact events carry the session's key and day, their type as a code, and a sessionStart's
    // params only with the session; the day's partition is made as the service makes it.
    const placed = compact
      ? (
          await db.query<{ key: string; day: number }>(
            `SELECT key, day, create_event_partitions(day, day) FROM sessions WHERE id = $1`,
            [sid],
          )
        ).rows[0]
      : undefined;
    for (const [i, [type, ts, playhead, params, qoe]] of events.entries()) {
      const common = {
        seq: i + 1,
        ts,
        playhead,
        qoe_data: qoe,
        custom_metadata: i === 0 ? { show: 'a' } : null,
        received_at: at(1),
      };
      if (!placed) {
        await insert(db, 'events', { ...common, session_id: sid, event_type: type, params });
        continue;
      }
      const [{ code }] = (
        await db.query<{ code: number }>(`SELECT event_type_code($1) AS code`, [type])
      ).rows;
      await insert(db, 'events', {
        ...common,
        session_key: placed.key,
        day: placed.day,
        event_type: code,
        params: type === 'sessionStart' ? null : params,
      });
    }
    return sid;
  }

  async function report(sid: Buffer, extra: Row = {}): Promise<void> {
    await insert(db, 'session_reports', {
      session_id: sid,
      session_key: sessionKey(sid.toString('hex')),
      started_at: at(0),
      computed_at: at(6),
      report_suite: 'rs',
      media_id: `m${step}`,
      media_channel: 'c',
      content_type: 'vod',
      content_started: true,
      content_completed: false,
      drop_before_start: false,
      content_time_spent: 11,
      ad_time_spent: 0,
      media_time_spent: 11,
      average_minute_audience: 0.18,
      buffer_duration: 0,
      average_bitrate: 500000,
      error_count: 0,
      ad_starts: 0,
      ad_completes: 0,
      report: { sessionId: sid.toString('hex'), step },
      computable: true,
      ...extra,
    });
  }

  const start: EventRow = ['sessionStart', 1, 0, START_PARAMS, { 'media.qoe.bitrate': 500000 }];
  const play: EventRow = ['play', 1000, 0, null, { 'media.qoe.bitrate': 500000 }];

  await session(
    0xa1,
    null,
    [
      start,
      play,
      ['adBreakStart', 5000, 4, { 'media.ad.podIndex': 1 }, null],
      ['adStart', 5001, 4, {}, null],
    ],
    { in_break: true, break_ts: 5000, ad_event: 'adStart', ad_ts: 5001 },
  );
  await report(
    await session(0xb2, { reason: 'end', reported: true }, [
      start,
      play,
      ['ping', 11000, 10, null, null],
      ['sessionEnd', 12000, 11, {}, null],
    ]),
  );
  if (completeClose && repeatsStored) {
    const events: EventRow[] = [
      start,
      play,
      ['play', 1000, 0, null, { 'media.qoe.bitrate': 800000 }],
      ['sessionComplete', 12000, 11, {}, null],
    ];
    const sid = await session(0xc3, { reason: 'complete', reported: true }, events, {
      completed: true,
      retries: 1,
    });
    await report(sid, {
      content_completed: true,
      average_minute_audience:
        reports.get('average_minute_audience')?.is_nullable === 'YES' ? null : 0.18,
    });
  }
  if (reports.has('computable')) {
    const sid = await session(0xd4, { reason: 'idle', reported: true }, [start], {
      report_attempts: 3,
    });
    await report(sid, { computable: false, content_started: false, media_time_spent: 0 });
  }
}

/** The name TypeORM records for a migration: its `name`, or its class's. */
function nameOf(migration: new () => MigrationInterface): string {
  return new migration().name ?? migration.name;
}

const NAMES = MIGRATIONS.map(nameOf);

async function appliedNames(db: pg.Client): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`,
  );
  return rows.map((r) => r.name);
}

describe('every migration reverts to the schema before it and keeps the rows that schema holds', () => {
  const scratch = scratchDatabase('migrations_test');
  const { url } = scratch;
  let db: pg.Client;
  /** The schema before migration n was applied, and the rows it held then. */
  const before: Array<{ schema: Schema; data: Data }> = [];
  /** Only TypeORM's own table. */
  let empty: Schema;

  beforeAll(async () => {
    await scratch.create();
    const none = await migrator(url, []);
    expect(await none.runMigrations()).toEqual([]);
    await none.destroy();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    empty = await schemaOf(db);
  });

  afterAll(async () => {
    await db?.end();
    await scratch.drop();
  });

  it('starts from a schema with only the migrations table', () => {
    expect(empty.relations.filter((r) => r.relkind === 'r').map((r) => r.relname)).toEqual([
      MIGRATIONS_TABLE,
    ]);
    expect(empty.functions).toEqual([]);
  });

  for (const [n, migration] of MIGRATIONS.entries()) {
    const migrationName = nameOf(migration);

    it(`${migrationName}: up, down and up again on a database holding data`, async () => {
      const old = { schema: await schemaOf(db), data: await dataOf(db) };
      before[n] = old;
      const source = await migrator(url, MIGRATIONS.slice(0, n + 1));
      try {
        expect((await source.runMigrations()).map((m) => m.name)).toEqual([migrationName]);
        await seed(db, n);
        const schema = await schemaOf(db);
        const data = await dataOf(db);
        expect(data.sessions?.rows.length).toBeGreaterThan(old.data.sessions?.rows.length ?? 0);

        await source.undoLastMigration();
        expect(await appliedNames(db)).toEqual(NAMES.slice(0, n));
        expectSchema(await schemaOf(db), old.schema, `after down of ${migrationName}`);
        expectKept(await dataOf(db), old.data, `after down of ${migrationName}`);

        expect((await source.runMigrations()).map((m) => m.name)).toEqual([migrationName]);
        expectSchema(await schemaOf(db), schema, `after up again of ${migrationName}`);
        expectKept(
          await dataOf(db),
          carriedOver(data, old.data),
          `after up again of ${migrationName}`,
        );
      } finally {
        await source.destroy();
      }
    });
  }

  it('reverts every migration, newest first, to the empty schema, then applies them all again', async () => {
    expect(before).toHaveLength(MIGRATIONS.length);
    const source = await migrator(url, MIGRATIONS);
    try {
      const latest = await schemaOf(db);
      for (let n = MIGRATIONS.length - 1; n >= 0; n -= 1) {
        await source.undoLastMigration();
        expect(await appliedNames(db)).toEqual(NAMES.slice(0, n));
        expectSchema(await schemaOf(db), before[n]?.schema, `after down of ${NAMES[n]}`);
        expectKept(await dataOf(db), before[n]?.data ?? {}, `after down of ${NAMES[n]}`);
      }
      expectSchema(await schemaOf(db), empty, 'after down of every migration');
      expect(await dataOf(db)).toEqual({});

      expect((await source.runMigrations()).map((m) => m.name)).toEqual(NAMES);
      expectSchema(await schemaOf(db), latest, 'after up of every migration');
    } finally {
      await source.destroy();
    }
  });
});
