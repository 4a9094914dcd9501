import { comparePlayerOrder } from '../player-order.js';

/** One stored event, as the metrics engine reads it. */
export interface MetricEvent {
  readonly eventType: string;
  /** Player time, ms since the epoch. */
  readonly ts: number;
  /** Seconds into the content. */
  readonly playhead: number;
  /** Arrival order within the session: breaks ties the tie precedence leaves. */
  readonly seq: number;
  readonly params?: Readonly<Record<string, unknown>> | null;
  readonly qoeData?: Readonly<Record<string, unknown>> | null;
}

/**
 * Sorts by `ts`, then the tie precedence, then arrival (contract C5). Stored events come sorted by
 * `ts` and arrival, and most ties are already in precedence order, so sorted input costs one pass.
 */
export function inPlayerOrder(events: readonly MetricEvent[]): readonly MetricEvent[] {
  for (let i = 1; i < events.length; i += 1) {
    // A later ts settles it; only a tie or an inversion needs the full comparison.
    if (events[i - 1].ts < events[i].ts) continue;
    if (comparePlayerOrder(events[i - 1], events[i]) > 0) {
      return [...events].sort(comparePlayerOrder);
    }
  }
  return events;
}
