import { Injectable, NotFoundException } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { SESSION_ID_PATTERN } from '../media/session-id.js';
import { type SessionReport, buildSessionReport } from '../media/metrics/session-report.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ReportsRepository, type SessionForReport } from './reports.repository.js';
import { type GroupBy, SummaryAccumulator, type SummaryRow, groupKeyOf } from './summary.js';

/** Sessions without a stored report are computed this many at a time, never all at once. */
const PAGE = 200;

export interface LiveView {
  total: number;
  playing: number;
  paused: number;
  buffering: number;
  inAd: number;
  starting: number;
  topMedia: Array<{ mediaId: string; sessions: number }>;
}

@Injectable()
export class ReportsService {
  private readonly metricsOptions: { readonly maxIntervalSeconds: number };

  constructor(
    private readonly reports: ReportsRepository,
    private readonly sessions: SessionsService,
    config: AppConfig,
  ) {
    this.metricsOptions = { maxIntervalSeconds: config.metricsMaxIntervalSeconds };
  }

  /** A closed session's stored report, or one computed now from what has arrived (contract C5). */
  async sessionReport(sid: string): Promise<SessionReport> {
    const session = SESSION_ID_PATTERN.test(sid) ? await this.reports.findSession(sid) : undefined;
    if (!session) throw new NotFoundException('No session has this id.');
    if (session.storedReport) return session.storedReport;
    const events = await this.reports.eventsOf(this.reports.dataSource, [sid]);
    return buildSessionReport(session, events.get(sid) ?? [], this.metricsOptions);
  }

  /**
   * Totals per group of sessions started in [from, to): SQL sums stored reports; sessions without
   * one yet (open, or closed seconds ago) are computed page by page. One snapshot serves both, so
   * a session reported meanwhile counts once.
   */
  async summary(from: Date, to: Date, groupBy: GroupBy | undefined): Promise<SummaryRow[]> {
    return this.reports.dataSource.transaction('REPEATABLE READ', async ({ queryRunner }) => {
      const runner = queryRunner!;
      const totals = new SummaryAccumulator();
      for (const group of await this.reports.storedTotals(runner, from, to, groupBy))
        totals.addTotals(group);
      let after = '';
      for (;;) {
        const page = await this.reports.unreportedPage(runner, from, to, after, PAGE);
        if (page.length === 0) return totals.rows();
        const reports = await this.buildReports(page, runner);
        reports.forEach((report, i) =>
          totals.addReport(groupKeyOf(report, page[i].params, groupBy), report),
        );
        after = page.at(-1)!.sessionId;
      }
    });
  }

  async live(): Promise<LiveView> {
    const { states, media } = await this.reports.liveSessions(this.sessions.limits);
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

  /** Builds the reports of sessions just claimed by the worker. */
  async buildReports(
    sessions: readonly SessionForReport[],
    source: Parameters<ReportsRepository['eventsOf']>[0],
  ) {
    const events = await this.reports.eventsOf(
      source,
      sessions.map((s) => s.sessionId),
    );
    return sessions.map((session) =>
      buildSessionReport(session, events.get(session.sessionId) ?? [], this.metricsOptions),
    );
  }
}
