import { type MetricEvent } from './metric-event.js';
import { type SessionMetrics, computeSessionMetrics } from './session-metrics.js';

/** What the report says about the session itself, beside its metrics (contract C5). */
export interface SessionFacts {
  readonly sessionId: string;
  readonly closeReason: string | null;
  readonly startedAt: Date;
  readonly lastEventAt: Date;
  readonly downloaded: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  /** Events the service answered as retries (stored once, so the engine never sees them). */
  readonly retries: number;
}

export interface SessionReport extends SessionMetrics {
  readonly sessionId: string;
  readonly open: boolean;
  readonly closeReason: string | null;
  readonly startedAt: string;
  readonly lastEventAt: string;
  readonly downloaded: boolean;
  /** The session's `media.*` params. */
  readonly media: Readonly<Record<string, unknown>>;
  readonly retries: number;
}

export interface SessionReportOptions {
  /** `METRICS_MAX_INTERVAL_SECONDS`: the most one interval between two events counts. */
  readonly maxIntervalSeconds: number;
}

export function buildSessionReport(
  facts: SessionFacts,
  events: readonly MetricEvent[],
  options: SessionReportOptions,
): SessionReport {
  const open = facts.closeReason === null;
  const media = Object.fromEntries(
    Object.entries(facts.params).filter(([key]) => key.startsWith('media.')),
  );
  return {
    sessionId: facts.sessionId,
    open,
    closeReason: facts.closeReason,
    startedAt: facts.startedAt.toISOString(),
    lastEventAt: facts.lastEventAt.toISOString(),
    downloaded: facts.downloaded,
    media,
    retries: facts.retries,
    ...computeSessionMetrics({
      events,
      // 0 (a length the player does not know) leaves the length-based figures null.
      mediaLength: Number(facts.params['media.length']),
      closed: !open,
      maxIntervalSeconds: options.maxIntervalSeconds,
    }),
  };
}
