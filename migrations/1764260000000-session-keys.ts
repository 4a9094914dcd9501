import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The view's columns, the sessionStart's params (stored apart from its event) read by `startParams`. */
export const viewColumns = (
  startParams: string,
) => `s.id AS session_id, e.seq, event_type_name(e.event_type) AS event_type, e.ts, e.playhead,
  CASE WHEN e.seq = 1 AND e.params IS NULL AND e.event_type = event_type_code('sessionStart')
       THEN ${startParams} ELSE e.params END AS params,
  e.qoe_data, e.custom_metadata, e.received_at`;

export const VIEW_JOIN = `FROM sessions s JOIN events e ON e.session_key = s.key AND e.day = s.day`;

/**
 * New sessions and their events, in one call (one round trip, one transaction): the sessions
 * first, then the events of those stored now, with the day each was stored with; returns the
 * stored sessions and their days. A session whose key another id holds is not stored (the caller
 * tries again with a new id). No statement reads a distributed table to find what it inserts,
 * and none feeds one insert from another's output inside one statement. `paramsApart`: the
 * sessionStart's params go to session_params, not to the session row; `wireFormats`: beside them,
 * the wire format each session came in and its Edge datastream id.
 */
/** The argument types of `create_sessions` before wire formats, which name the function to drop. */
export const CREATE_SESSIONS_ARGS = `bigint[], bytea[], text[], text[], text[], float8[], jsonb[], float8[],
  integer[], boolean[], integer[], bigint[], bigint[], bytea[], integer[], text[], bigint[], float8[], jsonb[],
  jsonb[], jsonb[]`;

export const createSessionsFunction = (paramsApart: boolean, wireFormats = false) => `
  CREATE OR REPLACE FUNCTION create_sessions(
    keys bigint[], ids bytea[], report_suites text[], media_ids text[], content_types text[],
    media_lengths float8[], start_params jsonb[], last_playheads float8[], event_counts integer[],
    downloads boolean[], retry_counts integer[], byte_counts bigint[],
    event_keys bigint[], event_ids bytea[], seqs integer[], event_types text[], tss bigint[],
    playheads float8[], event_params jsonb[], event_qoe jsonb[], event_custom jsonb[]${wireFormats ? ', wire_formats text[], config_ids text[]' : ''})
  RETURNS TABLE (stored_id bytea, stored_day smallint) LANGUAGE plpgsql AS $$
  DECLARE stored_ids bytea[]; stored_days smallint[];
  BEGIN
    WITH stored AS (
      INSERT INTO sessions (key, id, report_suite, media_id, content_type, media_length,${paramsApart ? '' : ' params,'} last_playhead,
                            event_count, downloaded, retries, stored_bytes, closed_at, close_reason)
      SELECT t.key, t.id, t.report_suite, t.media_id, t.content_type, t.media_length,${paramsApart ? '' : ' t.params,'} t.last_playhead,
             t.event_count, t.downloaded, t.retries, t.stored_bytes, CASE WHEN t.downloaded THEN now() END,
             CASE WHEN t.downloaded THEN 'downloaded' END
        FROM unnest(keys, ids, report_suites, media_ids, content_types, media_lengths, start_params, last_playheads,
                    event_counts, downloads, retry_counts, byte_counts)
               AS t(key, id, report_suite, media_id, content_type, media_length, params, last_playhead, event_count,
                    downloaded, retries, stored_bytes)
      ON CONFLICT (key) DO NOTHING
      RETURNING id, day)
    SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(day), '{}') INTO stored_ids, stored_days FROM stored;${
      paramsApart
        ? `
    ${
      wireFormats
        ? `INSERT INTO session_params (session_key, params, wire_format, config_id)
    SELECT t.key, t.params, t.wire_format, t.config_id
      FROM unnest(keys, ids, start_params, wire_formats, config_ids) AS t(key, id, params, wire_format, config_id)`
        : `INSERT INTO session_params (session_key, params)
    SELECT t.key, t.params FROM unnest(keys, ids, start_params) AS t(key, id, params)`
    }
      JOIN unnest(stored_ids) AS c(id) ON c.id = t.id;`
        : ''
    }
    -- The body's hash may collide (see events_retry): such a twin is kept out, not a failure.
    INSERT INTO events (session_key, day, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
    SELECT e.key, c.day, e.seq, event_type_code(e.event_type), e.ts, e.playhead, e.params, e.qoe_data,
           e.custom_metadata
      FROM unnest(event_keys, event_ids, seqs, event_types, tss, playheads, event_params, event_qoe, event_custom)
             AS e(key, id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
      JOIN unnest(stored_ids, stored_days) AS c(id, day) ON c.id = e.id
    ON CONFLICT (session_key, ts, event_hash(event_type, playhead, params, qoe_data, custom_metadata), day)
      DO NOTHING;
    RETURN QUERY SELECT * FROM unnest(stored_ids, stored_days);
  END $$`;

/**
 * The session key as every table's key, so that the three tables can be distributed and
 * co-located by it (Citus asks that every unique constraint and foreign key include the
 * distribution column, and that an insert name its value). Sessions are keyed by `key` (unique
 * keys imply unique ids: the key is the id's first 8 bytes, and a check keeps them so); the key is
 * written by the statement, not generated, because a distributed insert must carry it. Reports
 * carry their session's key and reference it. The view of events gains the key, by which a
 * reader reaches one session's rows. A session records when a report worker claimed it.
 */
export class SessionKeys1764260000000 implements MigrationInterface {
  name = 'SessionKeys1764260000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions ALTER COLUMN key DROP EXPRESSION`);
    // When a report worker last claimed the session: another leaves it for a while instead of
    // waiting on the rows the first one holds.
    await db.query(`ALTER TABLE sessions ADD COLUMN report_claimed_at timestamptz`);
    await db.query(`
      ALTER TABLE sessions ALTER COLUMN key SET NOT NULL, ALTER COLUMN id SET NOT NULL,
        ADD CONSTRAINT sessions_key_of_id CHECK (key = session_key(id))`);
    await db.query(`ALTER TABLE session_reports ADD COLUMN session_key bigint`);
    await db.query(`UPDATE session_reports SET session_key = session_key(session_id)`);
    await db.query(`
      ALTER TABLE session_reports ALTER COLUMN session_key SET NOT NULL,
        ALTER COLUMN session_id SET NOT NULL,
        ADD CONSTRAINT session_reports_key_of_id CHECK (session_key = session_key(session_id)),
        DROP CONSTRAINT session_reports_session_id_fkey,
        DROP CONSTRAINT session_reports_pkey`);
    await db.query(`ALTER TABLE sessions DROP CONSTRAINT sessions_pkey`);
    await db.query(`ALTER TABLE sessions DROP CONSTRAINT sessions_key`);
    await db.query(`ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (key)`);
    await db.query(`
      ALTER TABLE session_reports ADD CONSTRAINT session_reports_pkey PRIMARY KEY (session_key),
        ADD CONSTRAINT session_reports_session_key_fkey
          FOREIGN KEY (session_key) REFERENCES sessions (key) ON DELETE CASCADE`);
    await db.query(`DROP VIEW session_events`);
    await db.query(
      `CREATE VIEW session_events AS SELECT ${viewColumns('s.params')}, e.session_key ${VIEW_JOIN}`,
    );
    await db.query(createSessionsFunction(false));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION create_sessions(${CREATE_SESSIONS_ARGS})`);
    await db.query(`DROP VIEW session_events`);
    await db.query(`
      ALTER TABLE session_reports DROP CONSTRAINT session_reports_session_key_fkey,
        DROP CONSTRAINT session_reports_pkey, DROP CONSTRAINT session_reports_key_of_id`);
    await db.query(`ALTER TABLE sessions DROP CONSTRAINT sessions_pkey`);
    await db.query(`ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (id)`);
    // The key generated again, as the earlier schema had it: a column cannot become generated in
    // place before PostgreSQL 17, so it is made anew from the id.
    await db.query(
      `ALTER TABLE sessions DROP CONSTRAINT sessions_key_of_id, DROP COLUMN key, DROP COLUMN report_claimed_at`,
    );
    await db.query(
      `ALTER TABLE sessions ADD COLUMN key bigint GENERATED ALWAYS AS (session_key(id)) STORED`,
    );
    await db.query(`ALTER TABLE sessions ADD CONSTRAINT sessions_key UNIQUE (key)`);
    await db.query(`
      ALTER TABLE session_reports ADD CONSTRAINT session_reports_pkey PRIMARY KEY (session_id),
        ADD CONSTRAINT session_reports_session_id_fkey
          FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE,
        DROP COLUMN session_key`);
    await db.query(`CREATE VIEW session_events AS SELECT ${viewColumns('s.params')} ${VIEW_JOIN}`);
  }
}
