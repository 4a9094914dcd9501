import { type SessionListItem } from './session-list.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { type StoredEvent } from '../sessions/session-reads.js';
import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppConfig } from '../config/app-config.js';
import { ReportsPool } from '../database/reports-pool.js';
import { type SqlConnection } from '../database/sql-connection.js';
import {
  type SessionReport,
  SessionReportBuilder,
  type SessionReportOptions,
} from '../media/metrics/session-report.js';
import { SESSION_ID_PATTERN } from '../media/session-id.js';
import { ReportsMetrics } from './reports-metrics.js';
import { ReportsRepository, type SessionForReport } from './reports.repository.js';
import { type StoredReport } from './set-aside-report.js';
import { type GroupBy, SummaryAccumulator, type SummaryRow, groupKeyOf } from './summary.js';

/** Sessions without a stored report are computed this many at a time, never all at once. */
const SESSIONS_PAGE = 200;

/**
 * Events read per round trip while computing reports: a report holds one page of its events at a
 * time (their few columns the engine reads), whatever the size of the session. Small pages keep
 * ingestion's share of the event loop: under twelve hammering reporting clients, pages of 250
 * left ingestion 1.1-2.0 k requests/s where pages of 1,000 left it 0.8 k.
 */
export const EVENTS_PAGE = 250;

/** What computing one session's report came to. */
export type ReportOutcome =
  | { readonly session: SessionForReport; readonly report: SessionReport }
  | { readonly session: SessionForReport; readonly error: unknown };

export interface LiveView {
  total: number;
  playing: number;
  paused: number;
  buffering: number;
  inAd: number;
  starting: number;
  topMedia: Array<{ mediaId: string; sessions: number }>;
}

/** One session's report in progress: its builder, or what made it fail. */
interface InProgress {
  readonly session: SessionForReport;
  readonly builder: SessionReportBuilder | undefined;
  error: unknown;
}

@Injectable()
export class ReportsService {
  private readonly logger = new Logger('Reports');
  private readonly reportOptions: SessionReportOptions;

  constructor(
    private readonly pool: ReportsPool,
    private readonly reports: ReportsRepository,
    private readonly metrics: ReportsMetrics,
    private readonly sessions: SessionsService,
    config: AppConfig,
  ) {
    this.reportOptions = { maxIntervalSeconds: config.metricsMaxIntervalSeconds };
  }

  /** Sessions newest first (contract C9), for a list to pick one from; `limit` 1 to 500. */
  recentSessions(
    query: { before: Date | null; search: string | null; limit: number },
    signal: AbortSignal,
  ): Promise<SessionListItem[]> {
    const limit = Math.min(Math.max(query.limit, 1), 500);
    return this.pool.withConnection(signal, (db) =>
      this.reports.recentSessions(db, query.before, query.search, limit),
    );
  }

  /**
   * A page of one session's stored events in arrival order (`limit` 1 to 1,000), read through
   * what the sessions module publishes; 404 if there is no such session.
   */
  async sessionEvents(
    sid: string,
    after: number,
    limit: number,
    signal: AbortSignal,
  ): Promise<StoredEvent[]> {
    if (!SESSION_ID_PATTERN.test(sid)) throw new NotFoundException('No session has this id.');
    const known = await this.pool.withConnection(signal, (db) => this.reports.findSession(db, sid));
    if (!known) throw new NotFoundException('No session has this id.');
    const size = Math.min(Math.max(limit, 1), 1000);
    const page: StoredEvent[] = [];
    for await (const event of this.sessions.sessionEvents(sid, size, after)) {
      page.push(event);
      if (page.length === size) break;
    }
    return page;
  }

  /**
   * A closed session's stored report (computed, or set aside as not computable), or one computed
   * now from what has arrived (contract C5).
   */
  async sessionReport(sid: string, signal: AbortSignal): Promise<StoredReport> {
    if (!SESSION_ID_PATTERN.test(sid)) throw new NotFoundException('No session has this id.');
    return this.pool.withConnection(signal, async (db) => {
      const session = await this.reports.findSession(db, sid);
      if (!session) throw new NotFoundException('No session has this id.');
      const stored = session.storedReport;
      // Reports stored before wire formats were recorded lack them; the session has them. A
      // report set aside keeps its own three members (contract C5).
      if (stored) {
        if ('computable' in stored) return stored;
        const old: Partial<Pick<typeof stored, 'wireFormat' | 'configId'>> = stored;
        return {
          ...stored,
          wireFormat: old.wireFormat ?? session.wireFormat,
          configId: old.configId === undefined ? session.configId : old.configId,
        };
      }
      const [outcome] = await db.transaction('REPEATABLE READ', () =>
        this.computeReports(db, [session]),
      );
      if ('error' in outcome) {
        this.metrics.failed('request');
        throw outcome.error;
      }
      return outcome.report;
    });
  }

  /**
   * Totals per group of sessions started in [from, to): SQL sums the computable stored reports;
   * sessions without one yet (open, or closed seconds ago) are computed page by page, and one
   * whose report fails is left out. One snapshot serves both, so a session reported meanwhile
   * counts once.
   */
  async summary(
    from: Date,
    to: Date,
    groupBy: GroupBy | undefined,
    signal: AbortSignal,
  ): Promise<SummaryRow[]> {
    return this.pool.withConnection(signal, (db) =>
      db.transaction('REPEATABLE READ', async () => {
        const totals = new SummaryAccumulator();
        for (const group of await this.reports.storedTotals(db, from, to, groupBy))
          totals.addTotals(group);
        let failed = 0;
        let after = '';
        for (;;) {
          const page = await this.reports.unreportedPage(db, from, to, after, SESSIONS_PAGE);
          if (page.length === 0) break;
          for (const outcome of await this.computeReports(db, page)) {
            if ('report' in outcome) {
              const { report, session } = outcome;
              totals.addReport(groupKeyOf(report, session.params, groupBy), report);
            } else {
              failed += 1;
              this.metrics.failed('request');
            }
          }
          after = page.at(-1)!.sessionId;
        }
        if (failed > 0) {
          this.logger.warn(`a summary left out ${failed} sessions whose report failed`);
        }
        return totals.rows();
      }),
    );
  }

  async live(signal: AbortSignal): Promise<LiveView> {
    const { states, media } = await this.pool.withConnection(signal, (db) =>
      this.reports.liveSessions(db),
    );
    const view: LiveView = {
      total: 0,
      playing: 0,
      paused: 0,
      buffering: 0,
      inAd: 0,
      starting: 0,
      topMedia: media,
    };
    for (const { state, sessions } of states) {
      view.total += sessions;
      if (state in view && state !== 'total' && state !== 'topMedia')
        view[state as 'playing'] += sessions;
    }
    return view;
  }

  /**
   * The reports of the given sessions from their events, read page by page in player order and
   * fed to one builder at a time, so memory stays bounded whatever the sessions hold. A report
   * that throws fails alone; a failure of the database fails the call. Yields to the event loop
   * between pages, so that ingestion is served meanwhile. Inside a transaction of `db`.
   */
  async computeReports(
    db: SqlConnection,
    sessions: readonly SessionForReport[],
  ): Promise<ReportOutcome[]> {
    if (sessions.length === 0) return [];
    const byId = new Map(sessions.map((session) => [session.sessionId, session]));
    const outcomes = new Map<string, ReportOutcome>();
    let current: InProgress | undefined;
    const finish = () => {
      if (!current) return;
      outcomes.set(current.session.sessionId, this.finish(current));
      current = undefined;
    };
    for await (const page of this.reports.eventPages(db, [...byId.keys()], EVENTS_PAGE)) {
      for (const { sessionId, event } of page) {
        if (current?.session.sessionId !== sessionId) {
          finish();
          current = this.begin(byId.get(sessionId)!);
        }
        if (current.builder && current.error === undefined) {
          try {
            current.builder.add(event);
          } catch (error) {
            current.error = error;
          }
        }
      }
      await nextTurn();
    }
    finish();
    return sessions.map(
      (session) => outcomes.get(session.sessionId) ?? this.finish(this.begin(session)),
    );
  }

  private begin(session: SessionForReport): InProgress {
    try {
      return {
        session,
        builder: new SessionReportBuilder(session, this.reportOptions),
        error: undefined,
      };
    } catch (error) {
      return { session, builder: undefined, error };
    }
  }

  private finish({ session, builder, error }: InProgress): ReportOutcome {
    if (error !== undefined || !builder) return { session, error };
    try {
      return { session, report: builder.finish() };
    } catch (failure) {
      return { session, error: failure };
    }
  }
}
