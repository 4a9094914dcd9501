/** One stored event, as the metrics engine reads it. */
export interface MetricEvent {
  readonly eventType: string;
  /** Player time, ms since the epoch. */
  readonly ts: number;
  /** Seconds into the content. */
  readonly playhead: number;
  /** Arrival order within the session: breaks ties between equal `ts`. */
  readonly seq: number;
  readonly params?: Readonly<Record<string, unknown>> | null;
  readonly qoeData?: Readonly<Record<string, unknown>> | null;
}

/** Sorts by `ts`, then arrival (contract C5); already-sorted input costs one pass. */
export function inPlayerOrder(events: readonly MetricEvent[]): readonly MetricEvent[] {
  for (let i = 1; i < events.length; i += 1) {
    const a = events[i - 1];
    const b = events[i];
    if (a.ts > b.ts || (a.ts === b.ts && a.seq > b.seq)) {
      return [...events].sort((x, y) => x.ts - y.ts || x.seq - y.seq);
    }
  }
  return events;
}
