import { type SessionReport } from '../media/metrics/session-report.js';

export const GROUP_BYS = [
  'day',
  'hour',
  'media.id',
  'media.channel',
  'media.contentType',
  'analytics.reportSuite',
  'wireFormat',
  'configId',
] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** Additive totals of one group, as SQL sums them over stored reports. */
export interface SummaryTotals {
  key: string;
  mediaStarts: number;
  contentStarts: number;
  contentCompletes: number;
  contentTimeSpent: number;
  mediaTimeSpent: number;
  /** The sum over sessions of known media.length; a null average is left out (contract C5). */
  averageMinuteAudience: number;
  dropsBeforeStart: number;
  bufferDuration: number;
  bitrateWeighted: number;
  bitrateWeight: number;
  errorSessions: number;
  adStarts: number;
  adCompletes: number;
}

/** One row of `GET /api/v1/reports/summary` (contract C9). */
export interface SummaryRow {
  key: string;
  mediaStarts: number;
  contentStarts: number;
  contentCompletes: number;
  contentTimeSpent: number;
  mediaTimeSpent: number;
  averageMinuteAudience: number;
  dropBeforeStartRate: number;
  bufferRatio: number;
  averageBitrate: number | null;
  errorSessions: number;
  adStarts: number;
  adCompletes: number;
}

export const SUMMARY_COLUMNS: ReadonlyArray<keyof SummaryRow> = [
  'key',
  'mediaStarts',
  'contentStarts',
  'contentCompletes',
  'contentTimeSpent',
  'mediaTimeSpent',
  'averageMinuteAudience',
  'dropBeforeStartRate',
  'bufferRatio',
  'averageBitrate',
  'errorSessions',
  'adStarts',
  'adCompletes',
];

/** The group a session falls in, as the SQL computes it for stored reports. */
export function groupKeyOf(
  report: SessionReport,
  params: Readonly<Record<string, unknown>>,
  groupBy?: GroupBy,
): string {
  switch (groupBy) {
    case undefined:
      return 'all';
    case 'day':
      return report.startedAt.slice(0, 10);
    case 'hour':
      return `${report.startedAt.slice(0, 13)}:00:00Z`;
    case 'wireFormat':
      return report.wireFormat;
    case 'configId':
      return report.configId ?? '';
    default: {
      // Grouped like the SQL over stored reports, which reads the same params as text.
      const value = params[groupBy];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    }
  }
}

const emptyTotals = (key: string): SummaryTotals => ({
  key,
  mediaStarts: 0,
  contentStarts: 0,
  contentCompletes: 0,
  contentTimeSpent: 0,
  mediaTimeSpent: 0,
  averageMinuteAudience: 0,
  dropsBeforeStart: 0,
  bufferDuration: 0,
  bitrateWeighted: 0,
  bitrateWeight: 0,
  errorSessions: 0,
  adStarts: 0,
  adCompletes: 0,
});

/** Adds groups' totals up: stored reports' sums from SQL, and sessions reported on the fly. */
export class SummaryAccumulator {
  private readonly groups = new Map<string, SummaryTotals>();

  private group(key: string): SummaryTotals {
    let totals = this.groups.get(key);
    if (!totals) {
      totals = emptyTotals(key);
      this.groups.set(key, totals);
    }
    return totals;
  }

  addTotals(totals: SummaryTotals): void {
    const into = this.group(totals.key);
    for (const field of Object.keys(totals) as Array<keyof SummaryTotals>) {
      if (field !== 'key') into[field] += totals[field];
    }
  }

  /** Adds one session reported on the fly, as the SQL sums a stored report (contract C9). */
  addReport(key: string, report: SessionReport): void {
    const average = report.bitrate.average;
    this.addTotals({
      key,
      mediaStarts: 1,
      contentStarts: Number(report.contentStarted),
      contentCompletes: Number(report.contentCompleted),
      contentTimeSpent: report.contentTimeSpent,
      mediaTimeSpent: report.mediaTimeSpent,
      // A session of unknown media.length has no average minute audience: it adds nothing.
      averageMinuteAudience: report.averageMinuteAudience ?? 0,
      dropsBeforeStart: Number(report.dropBeforeStart),
      bufferDuration: report.buffer.duration,
      bitrateWeighted: average === null ? 0 : average * report.mediaTimeSpent,
      bitrateWeight: average === null ? 0 : report.mediaTimeSpent,
      errorSessions: Number(report.errors.count > 0),
      adStarts: report.ads.starts,
      adCompletes: report.ads.completes,
    });
  }

  rows(): SummaryRow[] {
    return [...this.groups.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((t) => ({
        key: t.key,
        mediaStarts: t.mediaStarts,
        contentStarts: t.contentStarts,
        contentCompletes: t.contentCompletes,
        contentTimeSpent: t.contentTimeSpent,
        mediaTimeSpent: t.mediaTimeSpent,
        averageMinuteAudience: t.averageMinuteAudience,
        dropBeforeStartRate: t.mediaStarts > 0 ? t.dropsBeforeStart / t.mediaStarts : 0,
        bufferRatio:
          t.bufferDuration + t.mediaTimeSpent > 0
            ? t.bufferDuration / (t.bufferDuration + t.mediaTimeSpent)
            : 0,
        averageBitrate: t.bitrateWeight > 0 ? t.bitrateWeighted / t.bitrateWeight : null,
        errorSessions: t.errorSessions,
        adStarts: t.adStarts,
        adCompletes: t.adCompletes,
      }));
  }
}
