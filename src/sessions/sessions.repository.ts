import { Injectable } from '@nestjs/common';
import { SqlPool } from '../database/sql-pool.js';
import { type BatchPlan, DEFERRED, planBatch } from './event-batch.js';

/** One event as the repository stores it. */
export interface NewEvent {
  readonly eventType: string;
  readonly ts: number;
  readonly playhead: number;
  readonly params?: Record<string, unknown>;
  readonly qoeData?: Record<string, unknown>;
  readonly customMetadata?: Record<string, unknown>;
}

/** An event for an existing session. */
export interface SessionEvent extends NewEvent {
  readonly sessionId: string;
}

/** A new session with its events, sessionStart first. */
export interface NewSession {
  readonly id: string;
  readonly reportSuite: string;
  readonly mediaId: string;
  readonly contentType: string;
  readonly mediaLength: number;
  readonly params: Record<string, unknown>;
  /** A downloaded (offline) session is stored closed at once (contract C7). */
  readonly downloaded: boolean;
  /** The sessionStart first, whose params are the session's `params` (sent once, stored twice). */
  readonly events: readonly NewEvent[];
}

/** The lifecycle limits (contract C4) and the per-session event cap (C3). */
export interface SessionLimits {
  readonly idleSeconds: number;
  readonly stallSeconds: number;
  readonly maxDurationSeconds: number;
  readonly maxEvents: number;
}

/**
 * What became of one event: `accepted` (stored now, or a retry of a stored one), `unknown`
 * session, `closed` (ended or expired), or `capped` (the session holds its maximum).
 */
export type AppendOutcome = 'accepted' | 'unknown' | 'closed' | 'capped';

/**
 * What one append did: every event's outcome, in order, and how many sessions its sessionEnd
 * events closed (a retried sessionEnd closes nothing, so a metric of closes counts each once).
 */
export interface AppendResult {
  readonly outcomes: AppendOutcome[];
  readonly sessionsEnded: number;
}

export type CloseReason = 'end' | 'idle' | 'stalled' | 'max-duration' | 'downloaded';

/**
 * A column of JSON objects as one JSON array text (an absent object becomes null), which
 * `jsonbColumn` reads back. A pg `jsonb[]` parameter would escape every quote of every element: that
 * was the largest allocation of a session start.
 */
const jsonColumn = (values: readonly unknown[]) => JSON.stringify(values);

/** Parameter `$n`, a `jsonColumn` text, as a `jsonb[]` in the same order, with SQL NULL for null. */
const jsonbColumn = (n: number) =>
  `ARRAY(SELECT NULLIF(e, 'null') FROM jsonb_array_elements($${n}::jsonb) WITH ORDINALITY AS x(e, i) ORDER BY i)`;

const idBytes = (hex: string) => Buffer.from(hex, 'hex');

/**
 * The lifecycle clock (contract C4), on the database's clock so that every instance agrees:
 * a session is live while none of its three limits has passed. $1 idle, $2 stall and $3
 * max-duration seconds in every statement that uses it.
 */
export const live = (s: string) => `${s}.closed_at IS NULL AND ${withinLimits(s)}`;

/** The three time limits of `live`, for a session already known not to be marked closed. */
const withinLimits = (s: string) => `${s}.last_event_at > now() - $1 * interval '1 second'
  AND ${s}.playhead_moved_at > now() - $2 * interval '1 second'
  AND ${s}.created_at > now() - $3 * interval '1 second'`;

/** A live session's state for the live view: in an ad only inside a break (contract C5). */
export const liveState = (s: string) =>
  `CASE WHEN ${s}.in_break AND ${s}.ad_event = 'adStart' THEN 'inAd' ELSE ${s}.playback_state END`;

const limitParams = (limits: SessionLimits) => [
  limits.idleSeconds,
  limits.stallSeconds,
  limits.maxDurationSeconds,
];

/** Event columns as parallel arrays (the JSON ones as `jsonColumn`s), for `unnest`. */
function eventArrays(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.eventType),
    events.map((e) => e.ts),
    events.map((e) => e.playhead),
    jsonColumn(events.map((e) => e.params)),
    jsonColumn(events.map((e) => e.qoeData)),
    jsonColumn(events.map((e) => e.customMetadata)),
  ];
}

/** Owns the SQL of sessions and their events. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly sql: SqlPool) {}

  /**
   * New sessions and their events in one statement, so all commit together or none does (a
   * caller may batch many session starts into one commit).
   */
  async createSessions(sessions: readonly NewSession[]): Promise<void> {
    const events = sessions.flatMap((session) =>
      session.events.map((event, i) => ({
        ...event,
        params: i === 0 ? undefined : event.params,
        sessionId: session.id,
        seq: i + 1,
      })),
    );
    await this.sql.preparedRows(
      'create-sessions',
      `WITH created AS (
         INSERT INTO sessions (id, report_suite, media_id, content_type, media_length, params,
                               last_playhead, event_count, downloaded, closed_at, close_reason)
         SELECT id, report_suite, media_id, content_type, media_length, params, last_playhead, event_count, downloaded,
                CASE WHEN downloaded THEN now() END, CASE WHEN downloaded THEN 'downloaded' END
           FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::float8[], ${jsonbColumn(6)}, $7::float8[],
                       $8::int[], $9::boolean[])
                  AS t(id, report_suite, media_id, content_type, media_length, params, last_playhead, event_count, downloaded)
         RETURNING id, created_at, params
       )
       INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata, received_at)
       SELECT e.session_id, e.seq, e.event_type, e.ts, e.playhead,
              CASE WHEN e.seq = 1 THEN created.params ELSE e.params END, e.qoe_data, e.custom_metadata, created.created_at
         FROM unnest($10::bytea[], $11::int[], $12::text[], $13::int8[], $14::float8[], ${jsonbColumn(15)},
                     ${jsonbColumn(16)}, ${jsonbColumn(17)})
                AS e(session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
         JOIN created ON created.id = e.session_id`,
      [
        sessions.map((s) => idBytes(s.id)),
        sessions.map((s) => s.reportSuite),
        sessions.map((s) => s.mediaId),
        sessions.map((s) => s.contentType),
        sessions.map((s) => s.mediaLength),
        jsonColumn(sessions.map((s) => s.params)),
        sessions.map((s) => s.events.at(-1)?.playhead ?? 0),
        sessions.map((s) => s.events.length),
        sessions.map((s) => s.downloaded),
        events.map((e) => idBytes(e.sessionId)),
        events.map((e) => e.seq),
        ...eventArrays(events),
      ],
    );
  }

  /**
   * Appends events to open sessions (contract C3, C4) and says for every event, in order, what
   * became of it. One statement (one commit) per round: it locks each session, moves its clock,
   * counter and playhead, closes it on sessionEnd, and inserts the events with the next arrival
   * sequence numbers. The batch is grouped by session here, so the database applies one prepared
   * row per session, and only to a session that takes all of its events as they are. The others
   * wait for a further round, which is rare: a session whose events include a retry of a stored
   * event (applied without the retry, so a retry never counts or moves anything), one with room
   * for only some of them (the rest are 429), and events after a sessionEnd.
   */
  async appendEvents(
    events: readonly SessionEvent[],
    limits: SessionLimits,
  ): Promise<AppendResult> {
    const outcomes: AppendOutcome[] = new Array<AppendOutcome>(events.length);
    let sessionsEnded = 0;
    let pending = events.map((_, i) => i);
    while (pending.length > 0) {
      const plan = planBatch(pending.map((i) => events[i]));
      const round = await this.writeRound(plan, limits);
      sessionsEnded += round.sessionsEnded;
      const again: number[] = [];
      pending.forEach((eventIndex, j) => {
        const candidate = plan.answeredBy[j];
        const outcome = candidate === DEFERRED ? 'again' : round.outcomes[candidate];
        if (outcome === 'again') again.push(eventIndex);
        else outcomes[eventIndex] = outcome;
      });
      pending = again;
    }
    return { outcomes, sessionsEnded };
  }

  private async writeRound(
    plan: BatchPlan<SessionEvent>,
    limits: SessionLimits,
  ): Promise<{ outcomes: Array<AppendOutcome | 'again'>; sessionsEnded: number }> {
    const { sessions, candidates } = plan;
    const [row] = await this.sql.preparedRows<{
      sessions_ended: number;
      ords: number[] | null;
      outcomes: Array<AppendOutcome | 'again'> | null;
    }>(
      'append-events',
      `WITH batch AS (
         SELECT * FROM unnest($5::bytea[], $6::int[], $7::float8[], $8::float8[], $9::float8[], $10::boolean[],
                              $11::text[], $12::int8[], $13::boolean[], $14::int8[], $15::text[], $16::int8[])
           WITH ORDINALITY AS b(id, n, low, high, last_playhead, ends, playback, playback_ts, in_break, break_ts,
                                ad_event, ad_ts, k)
       ),
       input AS (
         SELECT i.*, ($5::bytea[])[i.k] AS session_id, r.stored IS NOT NULL AS stored
           FROM unnest($17::int[], $18::int[], $19::text[], $20::int8[], $21::float8[], ${jsonbColumn(22)},
                       ${jsonbColumn(23)}, ${jsonbColumn(24)})
                  WITH ORDINALITY AS i(k, rn, event_type, ts, playhead, params, qoe_data, custom_metadata, ord)
           -- A probe of the unique index per event. (LIMIT keeps it one: the plan is kept for every
           -- batch, and an EXISTS could become a hash of the whole events table.)
           LEFT JOIN LATERAL (
             SELECT true AS stored FROM events e
              WHERE e.session_id = ($5::bytea[])[i.k] AND e.ts = i.ts AND e.event_type = i.event_type LIMIT 1
           ) r ON true
       ),
       -- Sessions with a retry in the batch: applied in the next round, without the retry.
       retried AS (SELECT DISTINCT k FROM input WHERE stored),
       locked AS (
         SELECT b.*, s.event_count, s.last_playhead AS stored_playhead, ${withinLimits('s')} AS live
           FROM batch b
           -- Each session not marked closed, locked through its key alone, in the batch's order,
           -- which is id order: one lock order for every batch, so concurrent batches cannot
           -- deadlock. Closed sessions are not locked (the report worker holds them while it
           -- reports). num_nulls, not IS NULL: the plan is kept for every batch, and on a new table
           -- the open-sessions partial index once looked cheaper than the key.
           CROSS JOIN LATERAL (
             SELECT event_count, last_playhead, last_event_at, playhead_moved_at, created_at
               FROM sessions WHERE id = b.id AND num_nulls(closed_at) = 1 LIMIT 1 FOR UPDATE
           ) s
          -- A filter, not a join: it keeps the batch's order.
          WHERE b.k NOT IN (SELECT k FROM retried)
       ),
       -- Applied now: live sessions with room for all of their events.
       target AS (SELECT * FROM locked WHERE live AND event_count + n <= $4),
       touched AS (
         UPDATE sessions s
            SET event_count = t.event_count + t.n,
                last_event_at = now(),
                last_playhead = t.last_playhead,
                playhead_moved_at = CASE WHEN t.low <> t.stored_playhead OR t.high <> t.stored_playhead
                                         THEN now() ELSE s.playhead_moved_at END,
                playback_state = CASE WHEN t.playback_ts >= s.playback_ts THEN t.playback ELSE s.playback_state END,
                playback_ts = GREATEST(s.playback_ts, t.playback_ts),
                in_break = CASE WHEN t.break_ts >= s.break_ts THEN t.in_break ELSE s.in_break END,
                break_ts = GREATEST(s.break_ts, t.break_ts),
                ad_event = CASE WHEN t.ad_ts >= s.ad_ts THEN t.ad_event ELSE s.ad_event END,
                ad_ts = GREATEST(s.ad_ts, t.ad_ts),
                closed_at = CASE WHEN t.ends THEN now() END,
                close_reason = CASE WHEN t.ends THEN 'end' END
           FROM target t WHERE s.id = t.id
       ),
       inserted AS (
         -- Another instance may have stored the same event since the probe: the unique index keeps
         -- it once (that event is then counted twice, and the cap comes one event early).
         INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
         SELECT t.id, t.event_count + i.rn, i.event_type, i.ts, i.playhead, i.params, i.qoe_data, i.custom_metadata
           FROM input i JOIN target t ON t.k = i.k
         ON CONFLICT (session_id, ts, event_type) DO NOTHING
       ),
       answered AS (
         SELECT i.ord,
                CASE
                  WHEN i.stored OR t.k IS NOT NULL THEN NULL
                  WHEN i.k IN (SELECT k FROM retried) THEN 'again'
                  -- Not locked: no such session, or one marked closed.
                  WHEN l.k IS NULL THEN coalesce((SELECT 'closed' FROM sessions s WHERE s.id = i.session_id), 'unknown')
                  WHEN NOT l.live THEN 'closed'
                  -- Live, without room for all of its events: those that fit go alone next round.
                  WHEN l.event_count + i.rn <= $4 THEN 'again'
                  ELSE 'capped'
                END AS outcome
           FROM input i LEFT JOIN locked l ON l.k = i.k LEFT JOIN target t ON t.k = i.k
       )
       -- Accepted is the rule: only the other outcomes travel back.
       SELECT (SELECT count(*) FROM target WHERE ends)::int AS sessions_ended,
              array_agg(ord::int ORDER BY ord) AS ords, array_agg(outcome ORDER BY ord) AS outcomes
         FROM answered WHERE outcome IS NOT NULL`,
      [
        ...limitParams(limits),
        limits.maxEvents,
        sessions.map((d) => idBytes(d.sessionId)),
        sessions.map((d) => d.events),
        sessions.map((d) => d.lowestPlayhead),
        sessions.map((d) => d.highestPlayhead),
        sessions.map((d) => d.lastPlayhead),
        sessions.map((d) => d.ends),
        sessions.map((d) => d.playback?.value ?? null),
        sessions.map((d) => d.playback?.ts ?? null),
        sessions.map((d) => d.inBreak?.value ?? null),
        sessions.map((d) => d.inBreak?.ts ?? null),
        sessions.map((d) => d.adEvent?.value ?? null),
        sessions.map((d) => d.adEvent?.ts ?? null),
        candidates.map((c) => c.session + 1),
        candidates.map((c) => c.rank),
        ...eventArrays(candidates.map((c) => c.event)),
      ],
    );
    const outcomes = new Array<AppendOutcome | 'again'>(candidates.length).fill('accepted');
    row?.ords?.forEach((ord, j) => (outcomes[ord - 1] = row.outcomes![j]!));
    return { outcomes, sessionsEnded: row?.sessions_ended ?? 0 };
  }

  /** Sessions not marked closed yet, for the metrics (the partial index `sessions_open` answers it). */
  async countOpenSessions(): Promise<number> {
    const rows = await this.sql.rows<{ open: number }>(
      'SELECT count(*)::int AS open FROM sessions WHERE closed_at IS NULL',
      [],
    );
    return rows[0]?.open ?? 0;
  }

  /**
   * Closes sessions whose idle, stall or max-duration limit has passed, with the reason whose
   * deadline came first and that deadline as the close time. Rows another instance holds are
   * skipped, not waited for; a closed session no longer matches, so none closes twice.
   */
  async closeExpiredSessions(limits: SessionLimits, batchSize: number): Promise<CloseReason[]> {
    const rows = await this.sql.rows<{ reason: CloseReason }>(
      `WITH expired AS (
         SELECT s.id, deadline.at, deadline.reason
           FROM sessions s
           CROSS JOIN LATERAL (
             SELECT at, reason FROM (VALUES
               (s.last_event_at + $1 * interval '1 second', 'idle'),
               (s.playhead_moved_at + $2 * interval '1 second', 'stalled'),
               (s.created_at + $3 * interval '1 second', 'max-duration')
             ) AS limits(at, reason)
             ORDER BY at LIMIT 1
           ) AS deadline
          WHERE s.closed_at IS NULL AND NOT (${live('s')})
          LIMIT $4
            FOR UPDATE OF s SKIP LOCKED
       )
       UPDATE sessions s SET closed_at = expired.at, close_reason = expired.reason
         FROM expired WHERE s.id = expired.id
       RETURNING expired.reason`,
      [...limitParams(limits), batchSize],
    );
    return rows.map((row) => row.reason);
  }
}
