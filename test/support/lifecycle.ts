import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { expect } from 'vitest';
import { aSessionStart } from './factories.js';
import { type HttpResult, post, sessionIdFrom } from './http.js';
import { type StoredSession, storedEvents, storedSession } from './stored.js';

export { sleep };

/** A response with the client's clock around it (ms since the epoch). */
export interface Timed extends HttpResult {
  readonly sentAt: number;
  readonly answeredAt: number;
}

export const eventsPath = (sid: string) => `/api/v1/sessions/${sid}/events`;

export async function timedPost(baseUrl: string, path: string, body: unknown): Promise<Timed> {
  const sentAt = Date.now();
  const result = await post(baseUrl, path, body);
  return { ...result, sentAt, answeredAt: Date.now() };
}

/** Starts a session from the seed body (overrides as in `aSessionStart`); 201 or it throws. */
export async function startSession(
  baseUrl: string,
  overrides: Parameters<typeof aSessionStart>[0] = {},
): Promise<{ sid: string; start: Timed }> {
  const start = await timedPost(baseUrl, '/api/v1/sessions', aSessionStart(overrides));
  expect(start.status).toBe(201);
  return { sid: sessionIdFrom(start), start };
}

export function sendEvent(baseUrl: string, sid: string, body: unknown): Promise<Timed> {
  return timedPost(baseUrl, eventsPath(sid), body);
}

/** A ping as a player sends it: no params member at all. */
export function aPing(playhead: number, ts: number): Record<string, unknown> {
  return { playerTime: { playhead, ts }, eventType: 'ping' };
}

/** The stored session; it must exist. */
export async function sessionRow(db: pg.Pool, sid: string): Promise<StoredSession> {
  const row = await storedSession(db, sid);
  expect(row).toBeDefined();
  return row!;
}

export { storedEvents as eventRows };

/** Evaluates one boolean SQL expression over a session row `s` (exact timestamp comparisons). */
export async function sessionHolds(db: pg.Pool, sid: string, expression: string): Promise<boolean> {
  const { rows } = await db.query<{ holds: boolean | null }>(
    `SELECT (${expression}) AS holds FROM sessions s WHERE s.id = decode($1, 'hex')`,
    [sid],
  );
  expect(rows).toHaveLength(1);
  return rows[0]?.holds === true;
}

/**
 * Checks a series of answers against a deadline `limitMs` after a reference request, with the
 * client's clock bounding the service's: a request sent once the deadline has surely passed
 * must get 410, one answered before it can have passed must get 204, and no 204 follows a 410.
 */
export function expectClosedAtDeadline(
  answers: readonly Timed[],
  reference: Timed,
  limitMs: number,
  toleranceMs = 100,
): void {
  let closedSeen = false;
  for (const [i, answer] of answers.entries()) {
    const label = `answer ${i} sent ${answer.sentAt - reference.answeredAt} ms after the reference`;
    expect([204, 410], label).toContain(answer.status);
    if (answer.sentAt - reference.answeredAt >= limitMs + toleranceMs) {
      expect(answer.status, label).toBe(410);
    }
    if (answer.answeredAt - reference.sentAt < limitMs - toleranceMs) {
      expect(answer.status, label).toBe(204);
    }
    if (closedSeen) expect(answer.status, label).toBe(410);
    if (answer.status === 410) closedSeen = true;
  }
  expect(closedSeen, 'some answer was 410').toBe(true);
}

/**
 * A test-only audit of every change to a session's closed_at or close_reason, so a session
 * closed twice (even with the same values) shows as two rows. Dropped again by `removeCloseAudit`.
 */
export async function installCloseAudit(db: pg.Pool): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS test_close_audit (
      session_id    bytea NOT NULL,
      old_closed_at timestamptz,
      new_closed_at timestamptz,
      new_reason    text
    )`);
  await db.query(`
    CREATE OR REPLACE FUNCTION test_close_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.closed_at IS DISTINCT FROM OLD.closed_at
         OR NEW.close_reason IS DISTINCT FROM OLD.close_reason
         OR (OLD.closed_at IS NOT NULL AND NEW.closed_at IS NOT NULL) THEN
        INSERT INTO test_close_audit VALUES (NEW.id, OLD.closed_at, NEW.closed_at, NEW.close_reason);
      END IF;
      RETURN NEW;
    END $$`);
  await db.query('DROP TRIGGER IF EXISTS test_close_audit ON sessions');
  // Only statements that set the close columns: marking a session reported is not a close.
  await db.query(`CREATE TRIGGER test_close_audit AFTER UPDATE OF closed_at, close_reason ON sessions
                    FOR EACH ROW EXECUTE FUNCTION test_close_audit_row()`);
}

export async function removeCloseAudit(db: pg.Pool): Promise<void> {
  await db.query('DROP TRIGGER IF EXISTS test_close_audit ON sessions');
  await db.query('DROP FUNCTION IF EXISTS test_close_audit_row()');
  await db.query('DROP TABLE IF EXISTS test_close_audit');
}

/** Runs `task` over `items` with at most `limit` at a time, results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
