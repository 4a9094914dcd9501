import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What bounds one session and one report: the bytes of event bodies a session has stored (its cap
 * is `SESSION_MAX_BYTES`), the attempts made at its report, and whether a stored report could be
 * computed at all (one that could not is kept as such and left out of the summary).
 */
export class BoundedSessions1764240000000 implements MigrationInterface {
  name = 'BoundedSessions1764240000000';

  async up(db: QueryRunner): Promise<void> {
    // Constant defaults: PostgreSQL adds these columns without rewriting the tables.
    await db.query(
      `ALTER TABLE sessions ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0,
                            ADD COLUMN report_attempts smallint NOT NULL DEFAULT 0`,
    );
    await db.query(
      `ALTER TABLE session_reports ADD COLUMN computable boolean NOT NULL DEFAULT true`,
    );
    // Sessions still open count what they already hold; closed ones take no more events.
    await db.query(
      `UPDATE sessions s SET stored_bytes = e.bytes
         FROM (SELECT session_id,
                      sum(octet_length(coalesce(params::text, '')) + octet_length(coalesce(qoe_data::text, ''))
                          + octet_length(coalesce(custom_metadata::text, '')) + 64)::bigint AS bytes
                 FROM events WHERE session_id IN (SELECT id FROM sessions WHERE closed_at IS NULL)
                GROUP BY session_id) e
        WHERE s.id = e.session_id`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    // The earlier schema has no report that is not one: such sessions become unreported again,
    // so that the earlier release computes them as it always did, instead of summing zeros.
    await db.query(
      `UPDATE sessions SET reported_at = NULL
        WHERE id IN (SELECT session_id FROM session_reports WHERE NOT computable)`,
    );
    await db.query(`DELETE FROM session_reports WHERE NOT computable`);
    await db.query(`ALTER TABLE session_reports DROP COLUMN computable`);
    await db.query(`ALTER TABLE sessions DROP COLUMN stored_bytes, DROP COLUMN report_attempts`);
  }
}
