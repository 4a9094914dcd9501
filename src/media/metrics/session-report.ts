import { type WireFormat } from '../wire-format.js';
import { type MetricEvent, inPlayerOrder } from './metric-event.js';
import { type SessionMetrics, SessionMetricsBuilder } from './session-metrics.js';

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
  /** The wire format the session came in, and the Edge datastream id it named (contract C10). */
  readonly wireFormat: WireFormat;
  readonly configId: string | null;
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
  readonly wireFormat: WireFormat;
  readonly configId: string | null;
}

export interface SessionReportOptions {
  /** `METRICS_MAX_INTERVAL_SECONDS`: the most one interval between two events counts. */
  readonly maxIntervalSeconds: number;
}

/**
 * A session's report built from its events one at a time, so a session of any size is reported
 * in memory bounded by a constant (the metrics builder keeps no event).
 */
export class SessionReportBuilder {
  private readonly metrics: SessionMetricsBuilder;

  constructor(
    private readonly facts: SessionFacts,
    options: SessionReportOptions,
  ) {
    this.metrics = new SessionMetricsBuilder({
      // 0 (a length the player does not know) leaves the length-based figures null.
      mediaLength: Number(facts.params['media.length']),
      maxIntervalSeconds: options.maxIntervalSeconds,
    });
  }

  /** Events in player order (ts, tie precedence, seq). */
  add(event: MetricEvent): void {
    this.metrics.add(event);
  }

  /** The report; call once, after the last event. */
  finish(): SessionReport {
    const { facts } = this;
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
      wireFormat: facts.wireFormat,
      configId: facts.configId,
      ...this.metrics.result(!open),
    };
  }
}

/** A session's report from all its events at once, in any order (sorted into player order). */
export function buildSessionReport(
  facts: SessionFacts,
  events: readonly MetricEvent[],
  options: SessionReportOptions,
): SessionReport {
  const builder = new SessionReportBuilder(facts, options);
  for (const event of inPlayerOrder(events)) builder.add(event);
  return builder.finish();
}
