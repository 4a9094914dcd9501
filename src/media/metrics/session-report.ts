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
}

export function buildSessionReport(
  facts: SessionFacts,
  events: readonly MetricEvent[],
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
    ...computeSessionMetrics({
      events,
      mediaLength: Number(facts.params['media.length']),
      closed: !open,
    }),
  };
}
