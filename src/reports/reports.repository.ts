import { Injectable } from '@nestjs/common';
import { type SqlConnection } from '../database/sql-connection.js';
import { type MetricEvent } from '../media/metrics/metric-event.js';
import { type SessionFacts, type SessionReport } from '../media/metrics/session-report.js';
import { tiePrecedenceSql } from '../media/player-order.js';
import { SessionLifecycle } from '../lifecycle/lifecycle.js';
import { sessionKey } from '../lifecycle/session-key.js';
import { StatementRouting } from '../database/statement-routing.js';
import { type LifecycleSql, type LifecycleStatement } from '../lifecycle/lifecycle-sql.js';
import { type SetAsideReport, type StoredReport } from './set-aside-report.js';
import { type GroupBy, type SummaryTotals } from './summary.js';
import { type WireFormat } from '../media/wire-format.js';
import { SESSION_ID_PREFIX, type SessionListItem } from './session-list.js';

interface FactsRow {
  id: string;
  created_at: Date;
  last_event_at: Date;
  close_reason: string | null;
  downloaded: boolean;
  retries: number;
  params: Record<string, unknown>;
  wire_format: WireFormat;
  config_id: string | null;
  report: StoredReport | null;
  attempts: number;
}

interface EventRow {
  session_id: string;
  event_type: string;
  ts: string;
  playhead: number;
  seq: number;
  params: Record<string, unknown> | null;
  states_start: unknown[] | null;
  states_end: unknown[] | null;
  qoe_data: Record<string, unknown> | null;
}

export interface SessionForReport extends SessionFacts {
  /** The stored report of a closed session, once computed or set aside. */
  readonly storedReport: StoredReport | null;
  /** Attempts made at its report, this one included when the worker has just claimed it. */
  readonly attempts: number;
}

/** One event of a page read for several sessions at once. */
export interface SessionEvent {
  readonly sessionId: string;
  readonly event: MetricEvent;
}

/**
 * A session's facts from `sessions s`, with what is stored beside its row (session_params) read
 * from `p`, or defaults where `p` is `null`.
 */
const facts = (p: 'p' | 'null') =>
  `encode(s.id, 'hex') AS id, s.created_at, s.last_event_at, s.close_reason, s.downloaded,
  s.retries, s.report_attempts AS attempts, ${startColumns(p)}`;
const startColumns = (p: 'p' | 'null') =>
  p === 'p'
    ? `coalesce(p.params, '{}') AS params, coalesce(p.wire_format, 'mca') AS wire_format, p.config_id`
    : `'{}'::jsonb AS params, 'mca' AS wire_format, NULL::text AS config_id`;
/** The facts where `sessions s` is joined by START_PARAMS. */
const FACTS = facts('p');
const START_PARAMS = `LEFT JOIN session_params p ON p.session_key = s.key`;

const toFacts = (row: FactsRow): SessionForReport => ({
  sessionId: row.id,
  closeReason: row.close_reason,
  startedAt: row.created_at,
  lastEventAt: row.last_event_at,
  downloaded: row.downloaded,
  retries: row.retries,
  params: row.params,
  wireFormat: row.wire_format,
  configId: row.config_id,
  storedReport: row.report,
  attempts: row.attempts,
});

/**
 * The names of a list of states (`statesStart`, `statesEnd` of a statesUpdate), each an object
 * element's `media.state.name`: a list of 21,000 `{}` costs the database a pass, not Node a copy.
 */
const stateNames = (list: string) =>
  `CASE WHEN jsonb_typeof(${list}) = 'array'
        THEN jsonb_path_query_array(${list}, '$[*] ? (@.type() == "object")."media.state.name"') END`;

/**
 * An event as the metrics engine reads it, and nothing more: the members of `params` it reads on
 * the event types it reads them on (session-metrics.ts), and the QoE measures under both their
 * names. Whatever else a body holds stays in the database; a `play` with 64 KB of params costs
 * its few columns.
 */
const EVENT_COLUMNS = `encode(session_id, 'hex') AS session_id, event_type, ts, playhead, seq,
  CASE event_type
    WHEN 'sessionStart' THEN jsonb_build_object('media.qoe.timeToStart', params->'media.qoe.timeToStart')
    WHEN 'stateStart' THEN jsonb_build_object('media.state.name', params->'media.state.name')
    WHEN 'stateEnd' THEN jsonb_build_object('media.state.name', params->'media.state.name')
    WHEN 'error' THEN jsonb_build_object('media.errorId', params->'media.errorId',
                                         'media.errorSource', params->'media.errorSource')
  END AS params,
  CASE WHEN event_type = 'statesUpdate' THEN ${stateNames(`params->'statesStart'`)} END AS states_start,
  CASE WHEN event_type = 'statesUpdate' THEN ${stateNames(`params->'statesEnd'`)} END AS states_end,
  CASE WHEN qoe_data IS NOT NULL THEN jsonb_strip_nulls(jsonb_build_object(
    'media.qoe.bitrate', qoe_data->'media.qoe.bitrate', 'bitrate', qoe_data->'bitrate',
    'media.qoe.droppedFrames', qoe_data->'media.qoe.droppedFrames', 'droppedFrames', qoe_data->'droppedFrames',
    'media.qoe.timeToStart', qoe_data->'media.qoe.timeToStart', 'timeToStart', qoe_data->'timeToStart',
    'media.qoe.errorID', qoe_data->'media.qoe.errorID', 'errorID', qoe_data->'errorID',
    'media.qoe.errorSource', qoe_data->'media.qoe.errorSource', 'errorSource', qoe_data->'errorSource'))
  END AS qoe_data`;

const asStates = (names: unknown[] | null) => names?.map((name) => ({ 'media.state.name': name }));

function toSessionEvent(row: EventRow): SessionEvent {
  let params = row.params;
  if (row.states_start || row.states_end) {
    params = { statesStart: asStates(row.states_start), statesEnd: asStates(row.states_end) };
  }
  return {
    sessionId: row.session_id,
    event: {
      eventType: row.event_type,
      ts: Number(row.ts),
      playhead: row.playhead,
      seq: row.seq,
      params,
      qoeData: row.qoe_data,
    },
  };
}

/** SQL of one summary group key per `groupBy` (contract C9); UTC days and hours. */
const GROUP_KEY: Readonly<Record<GroupBy | 'all', string>> = {
  all: `'all'`,
  day: `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  hour: `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":00:00Z"')`,
  'media.id': 'media_id',
  'media.channel': 'media_channel',
  'media.contentType': 'content_type',
  'analytics.reportSuite': 'report_suite',
  wireFormat: 'wire_format',
  configId: `coalesce(config_id, '')`,
};

/**
 * Owns the SQL of session reports: claiming, storing, reading and aggregating them. Every
 * statement runs on a connection of the reports pool, never on ingestion's.
 */
@Injectable()
export class ReportsRepository {
  private readonly live: LifecycleStatement;

  constructor(
    lifecycle: SessionLifecycle,
    private readonly routing: StatementRouting,
  ) {
    const recent = (l: LifecycleSql) =>
      `${l.live('s')} AND s.last_event_at > now() - interval '30 seconds'`;
    // One pass over the open sessions for both views (grouping sets would run on one shard only).
    this.live = lifecycle.statement(
      0,
      (
        l,
      ) => `SELECT ${l.liveState('s')} AS state, s.media_id AS "mediaId", count(*)::int AS sessions
                FROM sessions s WHERE ${recent(l)} GROUP BY 1, 2`,
    );
  }

  /** Sessions newest first, started before `before`; `search` a prefix of an id or a whole media id. */
  async recentSessions(
    db: SqlConnection,
    before: Date | null,
    search: string | null,
    limit: number,
  ): Promise<SessionListItem[]> {
    const idPrefix = search !== null && SESSION_ID_PREFIX.test(search) ? `${search}%` : null;
    const rows = await db.rows<SessionListItem>(
      `SELECT encode(s.id, 'hex') AS "sessionId", s.media_id AS "mediaId", s.created_at AS "startedAt",
              s.last_event_at AS "lastEventAt", s.close_reason AS "closeReason",
              coalesce(p.wire_format, 'mca') AS "wireFormat", s.event_count AS "eventCount"
         FROM sessions s ${START_PARAMS}
        WHERE ($1::timestamptz IS NULL OR s.created_at < $1)
          AND ($2::text IS NULL OR s.media_id = $2 OR encode(s.id, 'hex') LIKE $3)
        ORDER BY s.created_at DESC, s.key DESC LIMIT $4`,
      [before, search, idPrefix, limit],
    );
    return rows;
  }

  async findSession(db: SqlConnection, sid: string): Promise<SessionForReport | undefined> {
    const [row] = await db.rows<FactsRow>(
      `SELECT ${FACTS}, r.report FROM sessions s ${START_PARAMS}
         LEFT JOIN session_reports r ON r.session_key = s.key
        WHERE s.key = $2 AND s.id = decode($1, 'hex')`,
      [sid, sessionKey(sid)],
    );
    return row && toFacts(row);
  }

  /**
   * The events of the given sessions in pages of `pageSize`, grouped by session and each
   * session's in player order (ts, tie precedence, arrival): a report of any size is read one
   * page at a time. Inside a transaction only (a server-side cursor).
   */
  eventPages(
    db: SqlConnection,
    sids: readonly string[],
    pageSize: number,
  ): AsyncGenerator<SessionEvent[]> {
    const rows = db.pages<EventRow>(
      // Each session's (key, ts) index gives its events presorted.
      `SELECT ${EVENT_COLUMNS} FROM session_events WHERE session_key = ANY($1::int8[])
        ORDER BY session_events.session_key, session_events.ts, ${tiePrecedenceSql('session_events.event_type')},
                 session_events.seq`,
      [sids.map(sessionKey)],
      pageSize,
    );
    return (async function* () {
      for await (const page of rows) yield page.map(toSessionEvent);
    })();
  }

  /**
   * Claims up to `limit` closed sessions without a report, oldest closed first, and counts an
   * attempt at each, committed before the attempt is made: a report that brings the service
   * down is charged for it, so it cannot do so forever. `retried`: sessions with an attempt
   * already (taken one at a time, so a failing one is charged alone) instead of fresh ones;
   * `exclude`: sessions not to take. Runs outside any transaction.
   */
  async claimForReport(
    db: SqlConnection,
    retried: boolean,
    limit: number,
    leaseMs: number,
    exclude: readonly string[] = [],
  ): Promise<SessionForReport[]> {
    // A session claimed less than `leaseMs` ago is another worker's (or a crashed one's, taken
    // again once the lease is over). The attempt is counted only if the count is still the one
    // read: of two workers reading the same session, the second finds it claimed and leaves it.
    // With batched writes the rows are also locked ahead, skipping those a worker holds; where
    // writes go per session (a distributed table takes no row lock across keys), they are not.
    const rows = await db.rows<FactsRow>(
      `UPDATE sessions s SET report_attempts = s.report_attempts + 1, report_claimed_at = now()
         FROM (SELECT key, report_attempts FROM sessions
                WHERE closed_at IS NOT NULL AND reported_at IS NULL
                  AND ${retried ? 'report_attempts > 0' : 'report_attempts = 0'}
                  AND (report_claimed_at IS NULL OR report_claimed_at < now() - $3 * interval '1 millisecond')
                  AND key <> ALL($2::int8[])
                ORDER BY closed_at LIMIT $1
                ${this.routing.perSession ? '' : 'FOR UPDATE SKIP LOCKED'}) c
        WHERE s.key = c.key AND s.report_attempts = c.report_attempts AND s.reported_at IS NULL
       RETURNING ${facts('null')}, NULL::jsonb AS report`,
      [limit, exclude.map(sessionKey), leaseMs],
    );
    if (rows.length === 0) return [];
    // Read apart: an update across keys that joined another distributed table to its claimed
    // rows would be an outer join Citus may not push down.
    const keys = rows.map((row) => sessionKey(row.id));
    const starts = await db.rows<
      Pick<FactsRow, 'params' | 'wire_format' | 'config_id'> & { key: string }
    >(
      `SELECT session_key::text AS key, ${startColumns('p')} FROM session_params p WHERE session_key = ANY($1::int8[])`,
      [keys],
    );
    const startOf = new Map(starts.map(({ key, ...start }) => [key, start]));
    return rows.map((row, i) => toFacts({ ...row, ...startOf.get(keys[i]) }));
  }

  /**
   * Gives back the attempt a claim charged, for sessions whose attempt said nothing about their
   * report: another worker held them, or the database failed the work as a whole. They may be
   * claimed again at once.
   */
  async refundAttempts(db: SqlConnection, sids: readonly string[]): Promise<void> {
    await this.routing.byKey(sids.map(sessionKey), 'key', (keys, route) =>
      db.rows(
        `UPDATE sessions SET report_attempts = greatest(report_attempts - 1, 0), report_claimed_at = NULL
          WHERE key = ANY($1::int8[]) AND reported_at IS NULL${route}`,
        [keys],
      ),
    );
  }

  /** Ends the claims of sessions still without a report: the next claim may take them at once. */
  async releaseClaims(db: SqlConnection, sids: readonly string[]): Promise<void> {
    await this.routing.byKey(sids.map(sessionKey), 'key', (keys, route) =>
      db.rows(
        `UPDATE sessions SET report_claimed_at = NULL
          WHERE key = ANY($1::int8[]) AND reported_at IS NULL${route}`,
        [keys],
      ),
    );
  }

  /**
   * Locks those of the sessions still without a report, in the caller's transaction; a session
   * another worker holds, or has reported meanwhile, is left out.
   */
  async lockUnreported(db: SqlConnection, sids: readonly string[]): Promise<Set<string>> {
    // A row lock names one key per statement where the table is distributed by it.
    const rows = await this.routing.byKey(sids.map(sessionKey), 'key', (keys, route) =>
      db.rows<{ id: string }>(
        `SELECT encode(id, 'hex') AS id FROM sessions
          WHERE key = ANY($1::int8[]) AND reported_at IS NULL${route}
            FOR UPDATE SKIP LOCKED`,
        [keys],
      ),
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Stores reports, computed or set aside, and marks their sessions reported, in the caller's
   * transaction. A set-aside report fills the metric columns with zeros and is left out of the
   * summary (`computable` false). Returns the ids of the reports stored now (not before).
   */
  async storeReports(
    db: SqlConnection,
    reports: ReadonlyArray<SessionReport | SetAsideReport>,
  ): Promise<Set<string>> {
    const reportOf = new Map(reports.map((r) => [sessionKey(r.sessionId), r]));
    const keys = [...reportOf.keys()];
    // Where writes go per session, each report is written by statements naming its key alone.
    const stored = await this.routing.byKey(keys, 's.key', (some, route) =>
      db.rows<{ id: string }>(
        `INSERT INTO session_reports (session_key, session_id, started_at, report_suite, media_id, media_channel, content_type,
              content_started, content_completed, drop_before_start, content_time_spent, ad_time_spent,
              media_time_spent, average_minute_audience, buffer_duration, average_bitrate, error_count,
              ad_starts, ad_completes, report, computable, wire_format, config_id)
       SELECT s.key, s.id, s.created_at, s.report_suite, s.media_id,
              coalesce(p.params->>'media.channel', ''), s.content_type,
              coalesce((r->>'contentStarted')::boolean, false),
              coalesce((r->>'contentCompleted')::boolean, false),
              coalesce((r->>'dropBeforeStart')::boolean, false),
              coalesce((r->>'contentTimeSpent')::float8, 0), coalesce((r->>'adTimeSpent')::float8, 0),
              coalesce((r->>'mediaTimeSpent')::float8, 0), (r->>'averageMinuteAudience')::float8,
              coalesce((r->'buffer'->>'duration')::float8, 0), (r->'bitrate'->>'average')::float8,
              coalesce((r->'errors'->>'count')::int, 0), coalesce((r->'ads'->>'starts')::int, 0),
              coalesce((r->'ads'->>'completes')::int, 0), r,
              coalesce((r->>'computable')::boolean, true), coalesce(p.wire_format, 'mca'), p.config_id
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(r, i)
         JOIN sessions s ON s.key = ($2::int8[])[x.i] AND s.id = decode(r->>'sessionId', 'hex')${route}
         ${START_PARAMS}
       ON CONFLICT (session_key) DO NOTHING
       RETURNING encode(session_id, 'hex') AS id`,
        [JSON.stringify(some.map((key) => reportOf.get(key))), some],
      ),
    );
    await this.routing.byKey(keys, 'key', (some, route) =>
      db.rows(
        `UPDATE sessions SET reported_at = now() WHERE key = ANY($1::int8[]) AND reported_at IS NULL${route}`,
        [some],
      ),
    );
    return new Set(stored.map((row) => row.id));
  }

  /** Totals per group over the computable stored reports of sessions started in [from, to). */
  storedTotals(
    db: SqlConnection,
    from: Date,
    to: Date,
    groupBy: GroupBy | undefined,
  ): Promise<SummaryTotals[]> {
    return db.rows<SummaryTotals>(
      `SELECT ${GROUP_KEY[groupBy ?? 'all']} AS key,
              count(*)::int AS "mediaStarts",
              count(*) FILTER (WHERE content_started)::int AS "contentStarts",
              count(*) FILTER (WHERE content_completed)::int AS "contentCompletes",
              coalesce(sum(content_time_spent), 0)::float8 AS "contentTimeSpent",
              coalesce(sum(media_time_spent), 0)::float8 AS "mediaTimeSpent",
              coalesce(sum(average_minute_audience), 0)::float8 AS "averageMinuteAudience",
              count(*) FILTER (WHERE drop_before_start)::int AS "dropsBeforeStart",
              coalesce(sum(buffer_duration), 0)::float8 AS "bufferDuration",
              coalesce(sum(average_bitrate * media_time_spent), 0)::float8 AS "bitrateWeighted",
              coalesce(sum(media_time_spent) FILTER (WHERE average_bitrate IS NOT NULL), 0)::float8 AS "bitrateWeight",
              count(*) FILTER (WHERE error_count > 0)::int AS "errorSessions",
              coalesce(sum(ad_starts), 0)::int AS "adStarts",
              coalesce(sum(ad_completes), 0)::int AS "adCompletes"
         FROM session_reports
        WHERE started_at >= $1 AND started_at < $2 AND computable
        GROUP BY 1`,
      [from, to],
    );
  }

  /** A page of sessions started in [from, to) that have no stored report yet (open, or just closed). */
  async unreportedPage(
    db: SqlConnection,
    from: Date,
    to: Date,
    after: string,
    limit: number,
  ): Promise<SessionForReport[]> {
    const rows = await db.rows<FactsRow>(
      `SELECT ${FACTS}, NULL::jsonb AS report FROM sessions s ${START_PARAMS}
        WHERE s.created_at >= $1 AND s.created_at < $2 AND s.reported_at IS NULL
          AND ($3::int8 IS NULL OR s.key > $3)
        ORDER BY s.key LIMIT $4`,
      [from, to, after === '' ? null : sessionKey(after), limit],
    );
    return rows.map(toFacts);
  }

  /** Open sessions heard from in the last 30 s, by player state, and the ten media most watched. */
  async liveSessions(db: SqlConnection): Promise<{
    states: Array<{ state: string; sessions: number }>;
    media: Array<{ mediaId: string; sessions: number }>;
  }> {
    const rows = await db.rows<{ state: string; mediaId: string; sessions: number }>(
      this.live.text,
      this.live.values([]),
    );
    const states = new Map<string, number>();
    const media = new Map<string, number>();
    for (const row of rows) {
      states.set(row.state, (states.get(row.state) ?? 0) + row.sessions);
      media.set(row.mediaId, (media.get(row.mediaId) ?? 0) + row.sessions);
    }
    return {
      states: [...states].map(([state, sessions]) => ({ state, sessions })),
      media: [...media]
        .map(([mediaId, sessions]) => ({ mediaId, sessions }))
        .sort((a, b) => b.sessions - a.sessions || (a.mediaId < b.mediaId ? -1 : 1))
        .slice(0, 10),
    };
  }
}
