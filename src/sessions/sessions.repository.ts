import { Injectable } from '@nestjs/common';
import { SqlPool } from '../database/sql-pool.js';

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

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const idBytes = (hex: string) => Buffer.from(hex, 'hex');

/**
 * The lifecycle clock (contract C4), on the database's clock so that every instance agrees:
 * a session is live while none of its three limits has passed. $1 idle, $2 stall and $3
 * max-duration seconds in every statement that uses it.
 */
export const live = (s: string) => `${s}.closed_at IS NULL
  AND ${s}.last_event_at > now() - $1 * interval '1 second'
  AND ${s}.playhead_moved_at > now() - $2 * interval '1 second'
  AND ${s}.created_at > now() - $3 * interval '1 second'`;

const PLAYBACK_EVENTS = `('play', 'pauseStart', 'bufferStart')`;
const BREAK_EVENTS = `('adBreakStart', 'adBreakComplete')`;
const AD_EVENTS = `('adBreakStart', 'adBreakComplete', 'adStart', 'adComplete', 'adSkip')`;

/** A live session's state for the live view: in an ad only inside a break (contract C5). */
export const liveState = (s: string) =>
  `CASE WHEN ${s}.in_break AND ${s}.ad_event = 'adStart' THEN 'inAd' ELSE ${s}.playback_state END`;

const limitParams = (limits: SessionLimits) => [
  limits.idleSeconds,
  limits.stallSeconds,
  limits.maxDurationSeconds,
];

/** Event columns as parallel arrays, for `unnest` (one statement however many events). */
function eventArrays(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.eventType),
    events.map((e) => e.ts),
    events.map((e) => e.playhead),
    events.map((e) => json(e.params)),
    events.map((e) => json(e.qoeData)),
    events.map((e) => json(e.customMetadata)),
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
      session.events.map((event, i) => ({ ...event, sessionId: session.id, seq: i + 1 })),
    );
    await this.sql.rows(
      `WITH created AS (
         INSERT INTO sessions (id, report_suite, media_id, content_type, media_length, params,
                               last_playhead, event_count, downloaded, closed_at, close_reason)
         SELECT id, report_suite, media_id, content_type, media_length, params, last_playhead, event_count, downloaded,
                CASE WHEN downloaded THEN now() END, CASE WHEN downloaded THEN 'downloaded' END
           FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::jsonb[], $7::float8[],
                       $8::int[], $9::boolean[])
                  AS t(id, report_suite, media_id, content_type, media_length, params, last_playhead, event_count, downloaded)
         RETURNING id, created_at
       )
       INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata, received_at)
       SELECT e.session_id, e.seq, e.event_type, e.ts, e.playhead, e.params, e.qoe_data, e.custom_metadata, created.created_at
         FROM unnest($10::bytea[], $11::int[], $12::text[], $13::int8[], $14::float8[], $15::jsonb[], $16::jsonb[], $17::jsonb[])
                AS e(session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
         JOIN created ON created.id = e.session_id`,
      [
        sessions.map((s) => idBytes(s.id)),
        sessions.map((s) => s.reportSuite),
        sessions.map((s) => s.mediaId),
        sessions.map((s) => s.contentType),
        sessions.map((s) => s.mediaLength),
        sessions.map((s) => json(s.params)),
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
   * Appends events to open sessions in one statement (one round trip however many events, so a
   * caller may batch requests): it locks each live session, moves its clock, counter and
   * playhead, closes it on sessionEnd, inserts the events with the next arrival sequence numbers
   * (a retried `(session, eventType, ts)` is skipped by the unique index), and says for every
   * event, in order, what became of it.
   */
  async appendEvents(
    events: readonly SessionEvent[],
    limits: SessionLimits,
  ): Promise<AppendResult> {
    const rows = await this.sql.rows<{ outcome: AppendOutcome; sessions_ended: number }>(
      `WITH input AS (
         SELECT * FROM unnest($5::bytea[], $6::text[], $7::int8[], $8::float8[], $9::jsonb[], $10::jsonb[], $11::jsonb[])
           WITH ORDINALITY AS t(session_id, event_type, ts, playhead, params, qoe_data, custom_metadata, ord)
       ),
       -- A retry (already stored, or repeated in this batch) is answered but not counted again.
       marked AS (
         SELECT input.*,
                EXISTS (SELECT 1 FROM events e WHERE e.session_id = input.session_id
                           AND e.ts = input.ts AND e.event_type = input.event_type) AS stored,
                min(ord) OVER (PARTITION BY session_id, ts, event_type) AS first_ord
           FROM input
       ),
       numbered AS (
         SELECT marked.*, row_number() OVER (PARTITION BY session_id ORDER BY ord) AS rn
           FROM marked WHERE NOT stored AND ord = first_ord
       ),
       batch AS (
         SELECT session_id, count(*)::int AS n, min(playhead) AS low, max(playhead) AS high,
                (array_agg(playhead ORDER BY ord DESC))[1] AS last_playhead,
                bool_or(event_type = 'sessionEnd') AS ends,
                -- The live view's state: the last event of each kind in player order, with its ts.
                (array_agg(CASE event_type WHEN 'play' THEN 'playing' WHEN 'pauseStart' THEN 'paused' ELSE 'buffering' END
                           ORDER BY ts DESC, ord DESC) FILTER (WHERE event_type IN ${PLAYBACK_EVENTS}))[1] AS playback,
                max(ts) FILTER (WHERE event_type IN ${PLAYBACK_EVENTS}) AS playback_ts,
                (array_agg(event_type = 'adBreakStart' ORDER BY ts DESC, ord DESC)
                   FILTER (WHERE event_type IN ${BREAK_EVENTS}))[1] AS in_break,
                max(ts) FILTER (WHERE event_type IN ${BREAK_EVENTS}) AS break_ts,
                (array_agg(event_type ORDER BY ts DESC, ord DESC) FILTER (WHERE event_type IN ${AD_EVENTS}))[1] AS ad_event,
                max(ts) FILTER (WHERE event_type IN ${AD_EVENTS}) AS ad_ts
           FROM numbered GROUP BY session_id
       ),
       target AS (
         SELECT s.id, s.event_count AS base, LEAST(b.n, $4 - s.event_count) AS room,
                b.last_playhead, b.ends, b.playback, b.playback_ts, b.in_break, b.break_ts, b.ad_event, b.ad_ts,
                (b.low <> s.last_playhead OR b.high <> s.last_playhead) AS moved
           FROM sessions s JOIN batch b ON b.session_id = s.id
          WHERE ${live('s')} AND s.event_count < $4
          -- One lock order for every batch, so concurrent batches cannot deadlock.
          ORDER BY s.id
            FOR UPDATE OF s
       ),
       touched AS (
         UPDATE sessions s
            SET event_count = t.base + t.room,
                last_event_at = now(),
                last_playhead = t.last_playhead,
                playhead_moved_at = CASE WHEN t.moved THEN now() ELSE s.playhead_moved_at END,
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
         -- The unique index still decides when two requests race with the same event.
         INSERT INTO events (session_id, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
         SELECT n.session_id, t.base + n.rn, n.event_type, n.ts, n.playhead, n.params, n.qoe_data, n.custom_metadata
           FROM numbered n JOIN target t ON t.id = n.session_id
          WHERE n.rn <= t.room
         ON CONFLICT (session_id, ts, event_type) DO NOTHING
       )
       SELECT CASE
                WHEN m.stored THEN 'accepted'
                WHEN t.id IS NOT NULL AND n.rn <= t.room THEN 'accepted'
                WHEN t.id IS NOT NULL THEN 'capped'
                WHEN s.id IS NULL THEN 'unknown'
                WHEN ${live('s')} THEN 'capped'
                ELSE 'closed'
              END AS outcome,
              -- Only live sessions are targets, so each one a sessionEnd is in closes here, once.
              (SELECT count(*) FROM target WHERE ends)::int AS sessions_ended
         FROM marked m
         LEFT JOIN numbered n ON n.ord = m.first_ord
         LEFT JOIN target t ON t.id = m.session_id
         LEFT JOIN sessions s ON s.id = m.session_id
        ORDER BY m.ord`,
      [
        ...limitParams(limits),
        limits.maxEvents,
        events.map((e) => idBytes(e.sessionId)),
        ...eventArrays(events),
      ],
    );
    return {
      outcomes: rows.map((row) => row.outcome),
      sessionsEnded: rows[0]?.sessions_ended ?? 0,
    };
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
