import { type WireFormat } from '../media/wire-format.js';
import { Injectable, Logger } from '@nestjs/common';
import { ReportsPool } from '../database/reports-pool.js';
import { type Sql } from '../database/sql-connection.js';
import { SqlPool } from '../database/sql-pool.js';
import { type EventIdentity } from '../media/event-identity.js';
import {
  type BatchPlan,
  DEFERRED,
  type PlannedEvent,
  type SessionDelta,
  planBatch,
} from './event-batch.js';
import { EVENT_ROW_BYTES, type EventTexts, eventTexts } from './event-texts.js';
import { SessionDays } from './session-days.js';
import { type OpenSession, type StoredEvent } from './session-reads.js';
import { partitionDay, partitionName } from './storage-days.js';
import { SessionLifecycle } from '../lifecycle/lifecycle.js';
import { type LifecycleSql, type LifecycleStatement } from '../lifecycle/lifecycle-sql.js';
import { sessionKey } from '../lifecycle/session-key.js';
import { StatementRouting } from '../database/statement-routing.js';
import { type AppendOutcome, type CloseReason } from '../lifecycle/session-lifecycle.js';

/** One event as the repository stores it. */
export interface NewEvent extends EventIdentity {
  readonly params?: Record<string, unknown>;
  readonly qoeData?: Record<string, unknown>;
  readonly customMetadata?: Record<string, unknown>;
  /** Its members' JSON texts, if already made. */
  readonly texts?: EventTexts;
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
  /** Repeats of its events that were stored once (an offline session's retries, C7). */
  readonly retries: number;
  /** The sessionStart first, whose params are the session's `params` (sent once, stored twice). */
  readonly events: readonly NewEvent[];
  readonly wireFormat: WireFormat;
  /** The Edge datastream id the session named (contract C10); null on the MCA. */
  readonly configId: string | null;
}

/**
 * What one append did: every event's outcome, in order, and how many sessions its sessionEnd
 * events closed (a retried sessionEnd closes nothing, so a metric of closes counts each once).
 */
export interface AppendResult {
  readonly outcomes: AppendOutcome[];
  readonly sessionsEnded: number;
}

/**
 * A column of JSON texts (`null` for an absent object) as one JSON array text, which
 * `jsonbColumn` reads back. A pg `jsonb[]` parameter would escape every quote of every element: that
 * was the largest allocation of a session start.
 */
const jsonColumn = (texts: readonly string[]) => `[${texts.join(',')}]`;

/** Parameter `$n`, a `jsonColumn` text, as a `jsonb[]` in the same order, with SQL NULL for null. */
const jsonbColumn = (n: number) =>
  `ARRAY(SELECT NULLIF(e, 'null') FROM jsonb_array_elements($${n}::jsonb) WITH ORDINALITY AS x(e, i) ORDER BY i)`;

const idBytes = (hex: string) => Buffer.from(hex, 'hex');

/**
 * The hash of an event's type code, playhead and JSON members (a JSON `{}` the same as none) that
 * the unique index `events_retry` holds after the session key and ts (see its migration):
 * matching on it, a probe for a retry (C3) finds the stored copy through the index, however many
 * events share the session and ts. A hash may collide, so the events themselves are compared too.
 */
const eventHash = (prefix: string, typeCode: string) =>
  `event_hash(${typeCode}, ${prefix}playhead, ${prefix}params, ${prefix}qoe_data, ${prefix}custom_metadata)`;

/** The columns of `events_retry`, the conflict target of every insert into events. */
const RETRY_KEY = `session_key, ts, ${eventHash('', 'event_type')}, day`;

/** The same JSON members, as values: `{}` is the same as none. */
const sameBody = (stored: string, sent: string) =>
  ['params', 'qoe_data', 'custom_metadata']
    .map((c) => `nullif(${stored}.${c}, '{}') IS NOT DISTINCT FROM nullif(${sent}.${c}, '{}')`)
    .join(' AND ');

/**
 * Event columns as parallel arrays (the JSON ones as `jsonColumn`s), for `unnest`, and what each
 * event counts against the session's byte cap. An event's texts are made once, when it is
 * submitted, where they weigh it in the write queue.
 */
function eventArrays(events: readonly NewEvent[]): { columns: unknown[]; bytes: number[] } {
  const texts = events.map((e) => e.texts ?? eventTexts(e));
  return {
    columns: [
      events.map((e) => e.eventType),
      events.map((e) => e.ts),
      events.map((e) => e.playhead),
      jsonColumn(texts.map((t) => t.params)),
      jsonColumn(texts.map((t) => t.qoeData)),
      jsonColumn(texts.map((t) => t.customMetadata)),
    ],
    bytes: texts.map((t) => t.bytes),
  };
}

/**
 * A new session's events as stored: numbered from 1, the sessionStart without its params (they
 * are the session's, stored once, in session_params).
 */
const withoutStartParams = (session: NewSession) =>
  session.events.map((sent, i) => {
    const event = { ...sent, params: i === 0 ? undefined : sent.params };
    return { ...event, texts: eventTexts(event), sessionId: session.id, seq: i + 1 };
  });

/** What events count against `SESSION_MAX_BYTES`, as `appendEvents` counts them. */
export function storedBytes(events: readonly NewEvent[]): number {
  return eventArrays(events).bytes.reduce((sum, bytes) => sum + bytes, 0);
}

/**
 * The append statement (see `appendEvents`), for many sessions, or for `one` named by its key
 * (`$32`) in a condition on every table it reads or writes. A table distributed by the key runs
 * that one on the key's shard alone, but not with an insert among its parts: for one session the
 * events are inserted by a statement of their own (`APPEND_ONE_EVENTS`), after this one says
 * where they go (`base`). Given the `partition` of its sessions' day, the retry probe reads
 * that partition alone: a kept plan over the partitioned table would lock and open every
 * partition each time it runs (measured: half as much database time again per ping with 40).
 */
const appendText = (l: LifecycleSql, one: boolean, partition?: string) => {
  const on = (column: string) => (one ? ` AND ${column} = $32` : '');
  return `WITH batch AS (
         SELECT * FROM unnest($2::bytea[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::float8[],
                              $8::boolean[], $9::boolean[], $10::text[], $11::int8[], $12::int[], $13::boolean[],
                              $14::int8[], $15::int[], $16::text[], $17::int8[], $18::int[], $27::int[], $28::int8[], $31::int8[])
           WITH ORDINALITY AS b(id, n, counted, low, high, last_playhead, ends, completes, playback, playback_ts,
                                playback_rank, in_break, break_ts, break_rank, ad_event, ad_ts, ad_rank, retries, bytes, key, k)
       ),
       ${
         partition
           ? ''
           : `-- Each session's day: the partition its events are in, known before any probe. (A
       -- lateral probe of the key, as below: the kept plan must not become a hash of sessions.)
       placed AS (
         SELECT b.k, b.key, s.day FROM batch b
          CROSS JOIN LATERAL (SELECT day FROM sessions WHERE key = b.key AND id = b.id${on('key')} LIMIT 1) s
       ),`
       }
       input AS (
         SELECT i.*, ($2::bytea[])[i.k] AS session_id, ($31::int8[])[i.k] AS session_key, event_type_code(i.event_type) AS type_code,
                r.stored IS NOT NULL AS stored
           FROM unnest($19::int[], $20::int[], $21::text[], $22::int8[], $23::float8[], ${jsonbColumn(24)},
                       ${jsonbColumn(25)}, ${jsonbColumn(26)}, $29::int8[])
                  WITH ORDINALITY AS i(k, rn, event_type, ts, playhead, params, qoe_data, custom_metadata, bytes_up_to, ord)
           ${partition ? '' : 'LEFT JOIN placed p ON p.k = i.k'}
           -- A probe of the unique index per event, then the whole body compared (C3). (LIMIT keeps it
           -- one probe: the plan is kept for every batch, and an EXISTS could become a hash of the
           -- whole events table.)
           LEFT JOIN LATERAL (
             SELECT true AS stored FROM ${partition ?? 'events'} e
              WHERE ${partition ? `e.session_key = ($31::int8[])[i.k]` : 'e.session_key = p.key AND e.day = p.day'}
                AND e.ts = i.ts${on('e.session_key')}
                AND ${eventHash('e.', 'e.event_type')} = ${eventHash('i.', 'event_type_code(i.event_type)')}
                AND e.event_type = event_type_code(i.event_type) AND e.playhead = i.playhead
                AND ${sameBody('e', 'i')}
              LIMIT 1
           ) r ON true
       ),
       -- Sessions with a retry in the batch: applied in the next round, without the retry.
       retried AS (SELECT DISTINCT k FROM input WHERE stored),
       locked AS (
         SELECT b.*, s.day, s.event_count, s.stored_bytes, s.last_playhead AS stored_playhead, s.completed,
                s.last_event_at, s.playhead_moved_at, s.created_at, ${l.withinLimits('s')} AS live,
                -- The clock as a value: an update of a distributed table takes no function in a CASE.
                now() AS clock
           FROM batch b
           -- Each session not marked closed, locked through its key alone, in the batch's order,
           -- which is id order: one lock order for every batch, so concurrent batches cannot
           -- deadlock. Closed sessions are not locked (the report worker holds them while it
           -- reports). num_nulls, not IS NULL: the plan is kept for every batch, and on a new table
           -- the open-sessions partial index once looked cheaper than the key.
           CROSS JOIN LATERAL (
             SELECT day, event_count, stored_bytes, last_playhead, completed, last_event_at, playhead_moved_at,
                    created_at
               FROM sessions
              WHERE key = b.key AND id = b.id AND num_nulls(closed_at) = 1${on('key')} LIMIT 1 FOR UPDATE
           ) s
          -- A filter, not a join: it keeps the batch's order.
          WHERE b.k NOT IN (SELECT k FROM retried)
       ),
       -- Applied now: live sessions with room, in events and bytes, for all of their events (a
       -- sessionEnd always fits).
       target AS (
         SELECT * FROM locked
          WHERE live AND ((event_count + counted <= $1 AND stored_bytes + bytes <= $30) OR counted = 0)
       ),
       touched AS (
         UPDATE sessions s
            SET event_count = t.event_count + t.n,
                stored_bytes = t.stored_bytes + t.bytes,
                last_event_at = t.clock,
                last_playhead = t.last_playhead,
                playhead_moved_at = CASE WHEN t.low <> t.stored_playhead OR t.high <> t.stored_playhead
                                         THEN t.clock ELSE s.playhead_moved_at END,
                completed = s.completed OR t.completes,
                retries = s.retries + t.retries,
                -- Each live-view state is replaced only by an event later in player order (C5).
                playback_state = CASE WHEN (t.playback_ts, t.playback_rank) >= (s.playback_ts, ${l.storedRank.playback('s')})
                                      THEN t.playback ELSE s.playback_state END,
                playback_ts = GREATEST(s.playback_ts, t.playback_ts),
                in_break = CASE WHEN (t.break_ts, t.break_rank) >= (s.break_ts, ${l.storedRank.inBreak('s')})
                                THEN t.in_break ELSE s.in_break END,
                break_ts = GREATEST(s.break_ts, t.break_ts),
                ad_event = CASE WHEN (t.ad_ts, t.ad_rank) >= (s.ad_ts, ${l.storedRank.adEvent('s')})
                                THEN t.ad_event ELSE s.ad_event END,
                ad_ts = GREATEST(s.ad_ts, t.ad_ts),
                closed_at = CASE WHEN t.ends THEN t.clock END,
                close_reason = CASE WHEN t.ends THEN 'end' END
           FROM target t WHERE s.key = t.key${on('s.key')}
       ),
       ${
         one
           ? ''
           : `inserted AS (
         -- Another instance may have stored the same event since the probe: the unique index keeps
         -- it once (that event is then counted twice, and the cap comes one event early).
         INSERT INTO events (session_key, day, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
         SELECT t.key, t.day, t.event_count + i.rn, i.type_code, i.ts, i.playhead, i.params, i.qoe_data,
                i.custom_metadata
           FROM input i JOIN target t ON t.k = i.k
         ON CONFLICT (${RETRY_KEY}) DO NOTHING
       ),`
       }
       answered AS (
         SELECT i.ord,
                CASE
                  WHEN i.stored THEN 'retry'
                  WHEN t.k IS NOT NULL THEN NULL
                  WHEN i.k IN (SELECT k FROM retried) THEN 'again'
                  -- Not locked: no such session, or one marked closed. A sessionEnd after a
                  -- complete has nothing left to do (C4).
                  WHEN l.k IS NULL THEN coalesce(
                    (SELECT CASE WHEN i.event_type = 'sessionEnd' AND s.close_reason = 'complete'
                                 THEN 'ignored' ELSE 'closed' END
                       FROM sessions s WHERE s.key = i.session_key AND s.id = i.session_id${on('s.key')}),
                    'unknown')
                  WHEN NOT l.live THEN
                    CASE WHEN i.event_type = 'sessionEnd' AND ${l.expiryReason('l')} = 'complete'
                         THEN 'ignored' ELSE 'closed' END
                  -- Live, without room for all of its events: those that fit go alone next round.
                  WHEN i.event_type = 'sessionEnd'
                       OR (l.event_count + i.rn <= $1 AND l.stored_bytes + i.bytes_up_to <= $30) THEN 'again'
                  ELSE 'capped'
                END AS outcome
           FROM input i LEFT JOIN locked l ON l.k = i.k LEFT JOIN target t ON t.k = i.k
       )
       -- Accepted is the rule: only the other outcomes travel back.
       SELECT (SELECT count(*) FROM target WHERE ends)::int AS sessions_ended,
              array_agg(ord::int ORDER BY ord) AS ords, array_agg(outcome ORDER BY ord) AS outcomes
              ${one ? ', (SELECT event_count FROM target) AS base' : ''}
         FROM answered WHERE outcome IS NOT NULL`;
};

/**
 * The events of one session the append statement took, numbered after its `base`, under the
 * key and day of its row: a statement that reads the session by its key, which a table
 * distributed by the key runs on that key's shard.
 */
const APPEND_ONE_EVENTS = `
  INSERT INTO events (session_key, day, seq, event_type, ts, playhead, params, qoe_data, custom_metadata)
  SELECT s.key, s.day, $2::int + i.rn, event_type_code(i.event_type), i.ts, i.playhead, i.params, i.qoe_data,
         i.custom_metadata
    FROM sessions s
   CROSS JOIN unnest($3::int[], $4::text[], $5::int8[], $6::float8[], ${jsonbColumn(7)}, ${jsonbColumn(8)},
                     ${jsonbColumn(9)}) AS i(rn, event_type, ts, playhead, params, qoe_data, custom_metadata)
   WHERE s.key = $1
  ON CONFLICT (${RETRY_KEY}) DO NOTHING`;

/** PostgreSQL's code for a relation that does not exist. */
const UNDEFINED_TABLE = '42P01';

/** What one append statement answers: the outcomes other than accepted, by candidate. */
interface AppendRow {
  sessions_ended: number;
  ords: number[] | null;
  outcomes: Array<AppendOutcome | 'again'> | null;
  /** For one session: its event count before, if it took its events. */
  base?: number | null;
}

interface RoundResult {
  outcomes: Array<AppendOutcome | 'again'>;
  sessionsEnded: number;
}

/** Owns the SQL of sessions and their events. */
@Injectable()
export class SessionsRepository {
  private readonly logger = new Logger(SessionsRepository.name);

  /**
   * The append statements, made when first needed: for many sessions (31 parameters of its own,
   * then the lifecycle's) or one (32), and for sessions of one day or of any.
   */
  private readonly appendStatements = new Map<string, { name: string; sql: LifecycleStatement }>();
  private readonly expiredStatement: LifecycleStatement;
  private readonly days = new SessionDays();

  private readonly openStatement: LifecycleStatement;

  /**
   * `reads`: the published reads go through the reporting connections, so that no reader takes a
   * connection a write needs.
   */
  constructor(
    private readonly sql: SqlPool,
    private readonly lifecycle: SessionLifecycle,
    private readonly reads: ReportsPool,
    private readonly routing: StatementRouting,
  ) {
    this.openStatement = lifecycle.statement(
      2,
      (
        l,
      ) => `SELECT encode(s.id, 'hex') AS id, s.media_id AS "mediaId", s.content_type AS "contentType",
                     s.created_at AS "startedAt", s.last_event_at AS "lastEventAt",
                     ${l.liveState('s')} AS state, s.event_count AS events
                FROM sessions s
               WHERE ${l.live('s')} AND ($1::int8 IS NULL OR s.key > $1)
               ORDER BY s.key LIMIT $2`,
    );
    this.expiredStatement = lifecycle.statement(
      1,
      (l) => `WITH expired AS (
         SELECT s.key, s.last_event_at, s.playhead_moved_at, s.completed, deadline.at, deadline.reason
           FROM sessions s
           CROSS JOIN LATERAL (
             SELECT at, reason FROM ${l.deadlines('s')} ORDER BY at, o LIMIT 1
           ) AS deadline
          WHERE s.closed_at IS NULL AND NOT (${l.live('s')})
          LIMIT $1
          -- With batched appends, rows a write holds are skipped (an append locks the sessions of
          -- its batch in its own order; waiting for them here could deadlock with it). Where writes
          -- go per session (a distributed table takes no row lock across keys), an append holds one
          -- session at a time, and the update below checks again instead.
          ${routing.perSession ? '' : 'FOR UPDATE OF s SKIP LOCKED'}
       )
       -- A session closed meanwhile, or one an event has moved since (its deadline would differ),
       -- fails the conditions once its row is reached, and is left for the next sweep.
       UPDATE sessions s SET closed_at = expired.at, close_reason = expired.reason
         FROM expired
        WHERE s.key = expired.key AND s.closed_at IS NULL AND s.last_event_at = expired.last_event_at
          AND s.playhead_moved_at = expired.playhead_moved_at AND s.completed = expired.completed
       RETURNING expired.reason`,
    );
  }

  /**
   * New sessions and their events in one call of `create_sessions` (see its migration), so all
   * commit together or none does (a caller may batch many session starts into one commit). The
   * events go only to sessions stored now; one whose key another id holds is not stored.
   */
  async createSessions(sessions: readonly NewSession[]): Promise<boolean[]> {
    if (!this.routing.perSession || sessions.length === 1)
      return this.createNow(this.sql, sessions);
    // Where writes go per session, each start is a call of its own, inside one transaction.
    return this.sql.transaction('READ COMMITTED', async (tx) => {
      const created: boolean[] = [];
      for (const session of sessions) created.push(...(await this.createNow(tx, [session])));
      return created;
    });
  }

  private async createNow(sql: Sql, sessions: readonly NewSession[]): Promise<boolean[]> {
    const sessionParams = sessions.map((s) => eventTexts({ params: s.params }));
    const rows = sessions.map(withoutStartParams);
    // The sessionStart's params, stored beside the session row (session_params), count as its bytes.
    const sessionBytes = rows.map(
      (events, i) =>
        sessionParams[i].bytes -
        EVENT_ROW_BYTES +
        events.reduce((sum, e) => sum + e.texts.bytes, 0),
    );
    const events = rows.flat();
    const created = await sql.preparedRows<{ id: Buffer }>(
      'create-sessions',
      `SELECT stored_id AS id FROM create_sessions(
         $1::int8[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::float8[], ${jsonbColumn(7)}, $8::float8[],
         $9::int[], $10::boolean[], $11::int[], $12::int8[],
         $13::int8[], $14::bytea[], $15::int[], $16::text[], $17::int8[], $18::float8[], ${jsonbColumn(19)},
         ${jsonbColumn(20)}, ${jsonbColumn(21)}, $22::text[], $23::text[])`,
      [
        sessions.map((s) => sessionKey(s.id)),
        sessions.map((s) => idBytes(s.id)),
        sessions.map((s) => s.reportSuite),
        sessions.map((s) => s.mediaId),
        sessions.map((s) => s.contentType),
        sessions.map((s) => s.mediaLength),
        jsonColumn(sessionParams.map((t) => t.params)),
        sessions.map((s) => s.events.at(-1)?.playhead ?? 0),
        sessions.map((s) => s.events.length),
        sessions.map((s) => s.downloaded),
        sessions.map((s) => s.retries),
        sessionBytes,
        events.map((e) => sessionKey(e.sessionId)),
        events.map((e) => idBytes(e.sessionId)),
        events.map((e) => e.seq),
        ...eventArrays(events).columns,
        sessions.map((s) => s.wireFormat),
        sessions.map((s) => s.configId),
      ],
    );
    // Their days are not remembered here: most sessions a start makes are not written to by this
    // instance for a while, and a start is the service's peak of memory.
    const stored = new Set(created.map((row) => row.id.toString('hex')));
    return sessions.map((session) => stored.has(session.id));
  }

  /**
   * Appends events to open sessions (contract C3, C4) and says for every event, in order, what
   * became of it. One statement (one commit) per round: it locks each session, moves its clock,
   * counter and playhead, closes it on sessionEnd, and inserts the events with the next arrival
   * sequence numbers. The batch is grouped by session here, so the database applies one prepared
   * row per session, and only to a session that takes all of its events as they are. The others
   * wait for a further round, which is rare: a session whose events include a retry of a stored
   * event (applied without the retry, so a retry never counts or moves anything), one with room
   * for only some of them (the rest are 429), and events after a sessionEnd. Retries of open
   * sessions are then counted for their reports.
   */
  async appendEvents(events: readonly SessionEvent[]): Promise<AppendResult> {
    const outcomes: AppendOutcome[] = new Array<AppendOutcome>(events.length);
    let sessionsEnded = 0;
    let pending = events.map((_, i) => i);
    // Retries of stored events, per session, not yet added to its count: a session with one is
    // written in a later round (or not at all), and the count goes with that write.
    const uncounted = new Map<string, number>();
    while (pending.length > 0) {
      const plan = planBatch(
        pending.map((i) => events[i]),
        uncounted,
      );
      const round = await this.writeRound(plan);
      sessionsEnded += round.sessionsEnded;
      const again: number[] = [];
      pending.forEach((eventIndex, j) => {
        const candidate = plan.answeredBy[j];
        const outcome = candidate === DEFERRED ? 'again' : round.outcomes[candidate];
        const { sessionId } = events[eventIndex];
        if (outcome === 'again') again.push(eventIndex);
        // A repeat within the batch is a retry of what its first copy stored.
        else if (plan.repeats[j] && outcome === 'accepted') outcomes[eventIndex] = 'retry';
        else outcomes[eventIndex] = outcome;
        // Written with its session's events: the session's count holds what it carried. (A session
        // with a retry this round is never written in it, so the two cannot meet.)
        if (outcome === 'accepted') uncounted.delete(sessionId);
        else if (outcome === 'retry') uncounted.set(sessionId, (uncounted.get(sessionId) ?? 0) + 1);
      });
      pending = again;
    }
    await this.countRetries(uncounted);
    return { outcomes, sessionsEnded };
  }

  /**
   * One round: a statement for the sessions of each day (one, nearly always), or, where writes go
   * per session, one for each session.
   */
  private async writeRound(plan: BatchPlan<SessionEvent>): Promise<RoundResult> {
    const days = await this.daysOf(plan.sessions.map((d) => d.sessionId));
    const groups = new Map<string, number[]>();
    plan.sessions.forEach((d, i) => {
      const group = this.routing.perSession ? d.sessionId : String(days.get(d.sessionId));
      const members = groups.get(group);
      if (members) members.push(i);
      else groups.set(group, [i]);
    });
    if (groups.size === 1) {
      const [session] = plan.sessions;
      return this.writeSessions(
        plan.sessions,
        plan.candidates,
        days.get(session.sessionId),
        this.routing.perSession ? sessionKey(session.sessionId) : undefined,
      );
    }
    const outcomes = new Array<AppendOutcome | 'again'>(plan.candidates.length);
    let sessionsEnded = 0;
    for (const members of groups.values()) {
      const position = new Map(members.map((i, n) => [i, n]));
      const indices = plan.candidates.flatMap((c, j) => (position.has(c.session) ? [j] : []));
      const first = plan.sessions[members[0]].sessionId;
      const round = await this.writeSessions(
        members.map((i) => plan.sessions[i]),
        indices.map((j) => ({
          ...plan.candidates[j],
          session: position.get(plan.candidates[j].session)!,
        })),
        days.get(first),
        this.routing.perSession ? sessionKey(first) : undefined,
      );
      indices.forEach((j, n) => (outcomes[j] = round.outcomes[n]));
      sessionsEnded += round.sessionsEnded;
    }
    return { outcomes, sessionsEnded };
  }

  /**
   * The days of these sessions, from those remembered and one lookup for the others; a session
   * not stored has none.
   */
  private async daysOf(sessionIds: readonly string[]): Promise<Map<string, number>> {
    const days = new Map<string, number>();
    const missing: string[] = [];
    for (const id of sessionIds) {
      const day = this.days.get(id);
      if (day === undefined) missing.push(id);
      else days.set(id, day);
    }
    if (missing.length === 0) return days;
    const rows = await this.sql.rows<{ id: Buffer; day: number }>(
      'SELECT id, day FROM sessions WHERE key = ANY($1::int8[])',
      [missing.map(sessionKey)],
    );
    const asked = new Set(missing);
    for (const row of rows) {
      const id = row.id.toString('hex');
      if (!asked.has(id)) continue;
      this.days.set(id, row.day);
      days.set(id, row.day);
    }
    return days;
  }

  /** The append statement for one session or many, and for sessions of `day` or of any. */
  private appendStatement(one: boolean, day?: number): { name: string; sql: LifecycleStatement } {
    const id = `${one ? 'one' : 'many'}-${day ?? 'any'}`;
    let statement = this.appendStatements.get(id);
    if (!statement) {
      const partition = day === undefined ? undefined : partitionName(day);
      statement = {
        name: `append-${id}`,
        sql: this.lifecycle.statement(one ? 32 : 31, (l) => appendText(l, one, partition)),
      };
      this.appendStatements.set(id, statement);
    }
    return statement;
  }

  /**
   * One append statement: for `sessions`, or, given its key, for the one session; given their
   * `day`, reading that day's partition alone. A day whose partition is gone (its sessions are
   * all closed and reported) is written as sessions of any day, which answers them as such.
   */
  private async writeSessions(
    sessions: readonly SessionDelta[],
    candidates: ReadonlyArray<PlannedEvent<SessionEvent>>,
    day: number | undefined,
    key?: string,
  ): Promise<RoundResult> {
    if (day !== undefined) {
      try {
        return await this.runAppend(sessions, candidates, day, key);
      } catch (error) {
        if ((error as { code?: string }).code !== UNDEFINED_TABLE) throw error;
      }
    }
    return this.runAppend(sessions, candidates, undefined, key);
  }

  private async runAppend(
    sessions: readonly SessionDelta[],
    candidates: ReadonlyArray<PlannedEvent<SessionEvent>>,
    day: number | undefined,
    key: string | undefined,
  ): Promise<RoundResult> {
    const { limits } = this.lifecycle;
    const { columns, bytes } = eventArrays(candidates.map((c) => c.event));
    // Per candidate, the bytes of its session's candidates up to it (candidates keep arrival
    // order): what the session would hold if it took the events up to this one.
    const sessionBytes = new Array<number>(sessions.length).fill(0);
    const bytesUpTo = candidates.map((c, j) => (sessionBytes[c.session] += bytes[j]));
    const values = [
      limits.maxEvents,
      sessions.map((d) => idBytes(d.sessionId)),
      sessions.map((d) => d.events),
      sessions.map((d) => d.counted),
      sessions.map((d) => d.lowestPlayhead),
      sessions.map((d) => d.highestPlayhead),
      sessions.map((d) => d.lastPlayhead),
      sessions.map((d) => d.ends),
      sessions.map((d) => d.completes),
      sessions.map((d) => d.playback?.value ?? null),
      sessions.map((d) => d.playback?.ts ?? null),
      sessions.map((d) => d.playback?.rank ?? null),
      sessions.map((d) => d.inBreak?.value ?? null),
      sessions.map((d) => d.inBreak?.ts ?? null),
      sessions.map((d) => d.inBreak?.rank ?? null),
      sessions.map((d) => d.adEvent?.value ?? null),
      sessions.map((d) => d.adEvent?.ts ?? null),
      sessions.map((d) => d.adEvent?.rank ?? null),
      candidates.map((c) => c.session + 1),
      candidates.map((c) => c.rank),
      ...columns,
      sessions.map((d) => d.retries),
      sessionBytes,
      bytesUpTo,
      limits.maxBytes,
      sessions.map((d) => sessionKey(d.sessionId)),
    ];
    const statement = this.appendStatement(key !== undefined, day);
    const [row] =
      key === undefined
        ? await this.sql.preparedRows<AppendRow>(
            statement.name,
            statement.sql.text,
            statement.sql.values(values),
          )
        : await this.sql.transaction('READ COMMITTED', async (tx) => {
            const rows = await tx.preparedRows<AppendRow>(
              statement.name,
              statement.sql.text,
              statement.sql.values([...values, key]),
            );
            const taken = rows[0];
            if (taken?.base != null) {
              await tx.preparedRows('append-session-events-rows', APPEND_ONE_EVENTS, [
                key,
                taken.base,
                candidates.map((c) => c.rank),
                ...columns,
              ]);
            }
            return rows;
          });
    const outcomes = new Array<AppendOutcome | 'again'>(candidates.length).fill('accepted');
    row?.ords?.forEach((ord, j) => (outcomes[ord - 1] = row.outcomes![j]!));
    return { outcomes, sessionsEnded: row?.sessions_ended ?? 0 };
  }

  /**
   * Adds the retries answered to open sessions' counts (reported as `retries`, C5). Rare, so a
   * statement of its own; a count that cannot be written is not worth failing stored events for.
   */
  private async countRetries(counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    const ids = [...counts.keys()].sort();
    const idOf = new Map(ids.map((id) => [sessionKey(id), id]));
    await this.routing
      .byKey([...idOf.keys()], 's.key', (keys, route) => {
        const some = keys.map((key) => idOf.get(key)!);
        return this.sql.rows(
          `UPDATE sessions s SET retries = s.retries + c.n
             FROM unnest($1::int8[], $2::bytea[], $3::int[]) AS c(key, id, n)
            WHERE s.key = c.key AND s.id = c.id AND s.closed_at IS NULL${route}`,
          [keys, some.map(idBytes), some.map((id) => counts.get(id))],
        );
      })
      .catch((error: unknown) =>
        this.logger.warn(
          `counting the retries of ${ids.length} sessions failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  }

  /** Live sessions in key order, after the session `after` (keyset paging; '' for the first page). */
  openSessions(after: string, limit: number): Promise<OpenSession[]> {
    return this.reads.withConnection(undefined, (db) =>
      db.rows<OpenSession>(
        this.openStatement.text,
        this.openStatement.values([after === '' ? null : sessionKey(after), limit]),
      ),
    );
  }

  /** Up to `limit` stored events of a session after its event `afterSeq`, in arrival order. */
  sessionEvents(sessionId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.reads.withConnection(undefined, (db) =>
      db.rows<StoredEvent>(
        `SELECT seq, event_type AS "eventType", ts::float8 AS ts, playhead, params, qoe_data AS "qoeData",
                custom_metadata AS "customMetadata", received_at AS "receivedAt"
           FROM session_events WHERE session_key = $4 AND session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [idBytes(sessionId), afterSeq, limit, sessionKey(sessionId)],
      ),
    );
  }

  /**
   * Whether events could be stored now: the locks an insert takes, granted within `ms`. The
   * server gives up a little earlier, so that a refused probe has ended by the time its answer is
   * due, and the next check finds the locks as they are then.
   */
  probeWritable(ms: number): Promise<void> {
    return this.sql.probeLocks(['sessions', 'events'], 'ROW EXCLUSIVE', ms * 0.8);
  }

  /** Makes the partitions of events for days `first` to `last` that do not exist yet. */
  async createEventPartitions(first: number, last: number): Promise<number> {
    const [row] = await this.sql.rows<{ created: number }>(
      'SELECT create_event_partitions($1, $2) AS created',
      [first, last],
    );
    return row?.created ?? 0;
  }

  /** The days that have a partition of events, oldest first. */
  async eventDays(): Promise<number[]> {
    const rows = await this.sql.rows<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass`,
    );
    return rows
      .map((row) => partitionDay(row.name))
      .filter((day): day is number => day !== undefined)
      .sort((a, b) => a - b);
  }

  /**
   * Removes the events of sessions that started on `day` or earlier, by dropping the day's
   * partition, unless a session of such a day has no stored report yet (its events are then
   * kept, and asked for again next time). Detached concurrently first: ingestion into the other
   * partitions never waits for it.
   */
  async dropEventDay(day: number): Promise<'dropped' | 'kept'> {
    // Each condition is the predicate of a partial index (open, and closed but unreported
    // sessions): neither reads the whole sessions table.
    const [row] = await this.sql.rows<{ waiting: boolean }>(
      `SELECT EXISTS (SELECT FROM sessions WHERE closed_at IS NULL AND day <= $1 LIMIT 1)
           OR EXISTS (SELECT FROM sessions WHERE closed_at IS NOT NULL AND reported_at IS NULL AND day <= $1 LIMIT 1)
           AS waiting`,
      [day],
    );
    if (row?.waiting) return 'kept';
    const name = partitionName(day);
    // Citus cannot detach a partition of a distributed table concurrently: there it is dropped
    // at once, which holds ingestion for the moment the drop takes.
    if (!this.routing.distributed) {
      await this.sql.rows(`ALTER TABLE events DETACH PARTITION ${name} CONCURRENTLY`);
    }
    await this.sql.rows(`DROP TABLE ${name}`);
    return 'dropped';
  }

  /**
   * Deletes up to `limit` closed sessions that started before `before`, with their reports
   * (their events went with their day's partition long before); returns how many.
   */
  async deleteSessionsBefore(before: Date, limit: number): Promise<number> {
    // Their params go in the same transaction: session_params has no foreign key, whose check
    // on every session start cost more than the start's own insert.
    return this.sql.transaction('READ COMMITTED', async (tx) => {
      const rows = await tx.rows<{ key: string }>(
        `DELETE FROM sessions WHERE key IN (
           SELECT key FROM sessions WHERE created_at < $1 AND closed_at IS NOT NULL LIMIT $2)
         RETURNING key`,
        [before, limit],
      );
      if (rows.length > 0) {
        await tx.rows(`DELETE FROM session_params WHERE session_key = ANY($1::int8[])`, [
          rows.map((row) => row.key),
        ]);
      }
      return rows.length;
    });
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
   * deadline came first and that deadline as the close time. A closed session no longer matches,
   * so none closes twice, however many instances sweep.
   */
  async closeExpiredSessions(batchSize: number): Promise<CloseReason[]> {
    const rows = await this.sql.rows<{ reason: CloseReason }>(
      this.expiredStatement.text,
      this.expiredStatement.values([batchSize]),
    );
    return rows.map((row) => row.reason);
  }
}
