import { type MigrationInterface, type QueryRunner } from 'typeorm';

const VIEW_COLUMNS = `s.id AS session_id, e.seq, event_type_name(e.event_type) AS event_type, e.ts, e.playhead,
  CASE WHEN e.seq = 1 AND e.params IS NULL AND e.event_type = event_type_code('sessionStart')
       THEN s.params ELSE e.params END AS params,
  e.qoe_data, e.custom_metadata, e.received_at`;

const VIEW_JOIN = `FROM sessions s JOIN events e ON e.session_key = s.key AND e.day = s.day`;

/**
 * The session key as every table's key, so that the three tables can be distributed and
 * co-located by it (Citus asks that every unique constraint and foreign key include the
 * distribution column, and that an insert name its value). Sessions are keyed by `key` (unique
 * keys imply unique ids: the key is the id's first 8 bytes, and a check keeps them so); the key is
 * written by the statement, not generated, because a distributed insert must carry it. Reports
 * carry their session's key and reference it. The view of events gains the key, by which a
 * reader reaches one session's rows.
 */
export class SessionKeys1764260000000 implements MigrationInterface {
  name = 'SessionKeys1764260000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sessions ALTER COLUMN key DROP EXPRESSION`);
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
      `CREATE VIEW session_events AS SELECT ${VIEW_COLUMNS}, e.session_key ${VIEW_JOIN}`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP VIEW session_events`);
    await db.query(`
      ALTER TABLE session_reports DROP CONSTRAINT session_reports_session_key_fkey,
        DROP CONSTRAINT session_reports_pkey, DROP CONSTRAINT session_reports_key_of_id`);
    await db.query(`ALTER TABLE sessions DROP CONSTRAINT sessions_pkey`);
    await db.query(`ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (id)`);
    // The key generated again, as the earlier schema had it: a column cannot become generated in
    // place before PostgreSQL 17, so it is made anew from the id.
    await db.query(`ALTER TABLE sessions DROP CONSTRAINT sessions_key_of_id, DROP COLUMN key`);
    await db.query(
      `ALTER TABLE sessions ADD COLUMN key bigint GENERATED ALWAYS AS (session_key(id)) STORED`,
    );
    await db.query(`ALTER TABLE sessions ADD CONSTRAINT sessions_key UNIQUE (key)`);
    await db.query(`
      ALTER TABLE session_reports ADD CONSTRAINT session_reports_pkey PRIMARY KEY (session_id),
        ADD CONSTRAINT session_reports_session_id_fkey
          FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE,
        DROP COLUMN session_key`);
    await db.query(`CREATE VIEW session_events AS SELECT ${VIEW_COLUMNS} ${VIEW_JOIN}`);
  }
}
