import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { queryRows } from '../database/query-rows.js';
import { type MetricEvent } from '../media/metrics/metric-event.js';
import { type SessionFacts, type SessionReport } from '../media/metrics/session-report.js';
import {
  type SessionLimits,
  lifecycleParams,
  live,
  liveState,
} from '../sessions/session-lifecycle.js';
import { type GroupBy, type SummaryTotals } from './summary.js';

interface FactsRow {
  id: string;
  created_at: Date;
  last_event_at: Date;
  close_reason: string | null;
  downloaded: boolean;
  retries: number;
  params: Record<string, unknown>;
  report: SessionReport | null;
}

interface EventRow {
  session_id: string;
  event_type: string;
  ts: string;
  playhead: number;
  seq: number;
  params: Record<string, unknown> | null;
  qoe_data: Record<string, unknown> | null;
}

export interface SessionForReport extends SessionFacts {
  /** The stored report of a closed session, once computed. */
  readonly storedReport: SessionReport | null;
}

const FACTS = `encode(s.id, 'hex') AS id, s.created_at, s.last_event_at, s.close_reason, s.downloaded, s.retries,
  s.params`;

const toFacts = (row: FactsRow): SessionForReport => ({
  sessionId: row.id,
  closeReason: row.close_reason,
  startedAt: row.created_at,
  lastEventAt: row.last_event_at,
  downloaded: row.downloaded,
  retries: row.retries,
  params: row.params,
  storedReport: row.report,
});

/** SQL of one summary group key per `groupBy` (contract C9); UTC days and hours. */
const GROUP_KEY: Readonly<Record<GroupBy | 'all', string>> = {
  all: `'all'`,
  day: `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  hour: `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":00:00Z"')`,
  'media.id': 'media_id',
  'media.channel': 'media_channel',
  'media.contentType': 'content_type',
  'analytics.reportSuite': 'report_suite',
};

/** Owns the SQL of session reports: claiming, storing, reading and aggregating them. */
@Injectable()
export class ReportsRepository {
  constructor(readonly dataSource: DataSource) {}

  async findSession(sid: string): Promise<SessionForReport | undefined> {
    const [row] = await queryRows<FactsRow>(
      this.dataSource,
      `SELECT ${FACTS}, r.report FROM sessions s LEFT JOIN session_reports r ON r.session_id = s.id
        WHERE s.id = decode($1, 'hex')`,
      [sid],
    );
    return row && toFacts(row);
  }

  /** Each session's events, keyed by session id, in player order (ts, then arrival). */
  async eventsOf(
    source: DataSource | QueryRunner,
    sids: readonly string[],
  ): Promise<Map<string, MetricEvent[]>> {
    const rows = await queryRows<EventRow>(
      source,
      `SELECT encode(session_id, 'hex') AS session_id, event_type, ts, playhead, seq, params, qoe_data
         FROM events WHERE session_id = ANY($1::bytea[]) ORDER BY session_id, ts, seq`,
      [sids.map((sid) => Buffer.from(sid, 'hex'))],
    );
    const bySession = new Map<string, MetricEvent[]>(sids.map((sid) => [sid, []]));
    for (const row of rows) {
      bySession.get(row.session_id)?.push({
        eventType: row.event_type,
        ts: Number(row.ts),
        playhead: row.playhead,
        seq: row.seq,
        params: row.params,
        qoeData: row.qoe_data,
      });
    }
    return bySession;
  }

  /** Locks up to `limit` closed sessions without a report; other workers skip them. */
  claimClosedUnreported(runner: QueryRunner, limit: number): Promise<SessionForReport[]> {
    return queryRows<FactsRow>(
      runner,
      `SELECT ${FACTS}, NULL::jsonb AS report FROM sessions s
        WHERE s.closed_at IS NOT NULL AND s.reported_at IS NULL
        ORDER BY s.closed_at LIMIT $1
          FOR UPDATE SKIP LOCKED`,
      [limit],
    ).then((rows) => rows.map(toFacts));
  }

  /** Stores reports and marks their sessions reported, in the caller's transaction. */
  async storeReports(runner: QueryRunner, reports: readonly SessionReport[]): Promise<void> {
    if (reports.length === 0) return;
    await queryRows(
      runner,
      `INSERT INTO session_reports (session_id, started_at, report_suite, media_id, media_channel, content_type,
              content_started, content_completed, drop_before_start, content_time_spent, ad_time_spent,
              media_time_spent, average_minute_audience, buffer_duration, average_bitrate, error_count,
              ad_starts, ad_completes, report)
       SELECT decode(r->>'sessionId', 'hex'), s.created_at, s.report_suite, s.media_id,
              coalesce(s.params->>'media.channel', ''), s.content_type,
              (r->>'contentStarted')::boolean, (r->>'contentCompleted')::boolean, (r->>'dropBeforeStart')::boolean,
              (r->>'contentTimeSpent')::float8, (r->>'adTimeSpent')::float8, (r->>'mediaTimeSpent')::float8,
              (r->>'averageMinuteAudience')::float8, (r->'buffer'->>'duration')::float8,
              (r->'bitrate'->>'average')::float8, (r->'errors'->>'count')::int,
              (r->'ads'->>'starts')::int, (r->'ads'->>'completes')::int, r
         FROM jsonb_array_elements($1::jsonb) AS r
         JOIN sessions s ON s.id = decode(r->>'sessionId', 'hex')
       ON CONFLICT (session_id) DO NOTHING`,
      [JSON.stringify(reports)],
    );
    await queryRows(runner, `UPDATE sessions SET reported_at = now() WHERE id = ANY($1::bytea[])`, [
      reports.map((r) => Buffer.from(r.sessionId, 'hex')),
    ]);
  }

  /** Totals per group over stored reports of sessions started in [from, to). */
  storedTotals(
    runner: QueryRunner,
    from: Date,
    to: Date,
    groupBy: GroupBy | undefined,
  ): Promise<SummaryTotals[]> {
    return queryRows<SummaryTotals>(
      runner,
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
        WHERE started_at >= $1 AND started_at < $2
        GROUP BY 1`,
      [from, to],
    );
  }

  /** A page of sessions started in [from, to) that have no stored report yet (open, or just closed). */
  unreportedPage(
    runner: QueryRunner,
    from: Date,
    to: Date,
    after: string,
    limit: number,
  ): Promise<SessionForReport[]> {
    return queryRows<FactsRow>(
      runner,
      `SELECT ${FACTS}, NULL::jsonb AS report FROM sessions s
        WHERE s.created_at >= $1 AND s.created_at < $2 AND s.reported_at IS NULL AND s.id > decode($3, 'hex')
        ORDER BY s.id LIMIT $4`,
      [from, to, after, limit],
    ).then((rows) => rows.map(toFacts));
  }

  /** Open sessions heard from in the last 30 s, by player state, and the ten media most watched. */
  async liveSessions(limits: SessionLimits): Promise<{
    states: Array<{ state: string; sessions: number }>;
    media: Array<{ mediaId: string; sessions: number }>;
  }> {
    const recent = `${live('s')} AND s.last_event_at > now() - interval '30 seconds'`;
    const params = lifecycleParams(limits);
    const [states, media] = await Promise.all([
      queryRows<{ state: string; sessions: number }>(
        this.dataSource,
        `SELECT ${liveState('s')} AS state, count(*)::int AS sessions
           FROM sessions s WHERE ${recent} GROUP BY 1`,
        params,
      ),
      queryRows<{ mediaId: string; sessions: number }>(
        this.dataSource,
        `SELECT s.media_id AS "mediaId", count(*)::int AS sessions
           FROM sessions s WHERE ${recent} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
        params,
      ),
    ]);
    return { states, media };
  }
}
