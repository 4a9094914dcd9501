import type { MetricEvent } from '../../src/media/metrics/metric-event.js';
import {
  DEFAULT_MAX_INTERVAL_SECONDS,
  type SessionMetrics,
  computeSessionMetrics,
} from '../../src/media/metrics/session-metrics.js';

/** The player clock at the session's second 0 (ms since the epoch). */
export const T0 = 1_700_000_000_000;

type Members = Pick<MetricEvent, 'params' | 'qoeData'>;
type Qoe = Record<string, unknown>;
type Params = Record<string, unknown>;

/**
 * Builds a session's events in arrival order. Times are seconds after `T0` (so a comment's
 * "@30" is the argument 30); `seq` is the call order, as the service stores arrival order.
 */
export class Timeline {
  private readonly events: MetricEvent[] = [];

  constructor(private readonly t0 = T0) {}

  event(eventType: string, at: number, playhead: number, members: Members = {}): this {
    this.events.push({
      eventType,
      ts: this.t0 + Math.round(at * 1000),
      playhead,
      seq: this.events.length,
      ...members,
    });
    return this;
  }

  sessionStart(at: number, playhead: number, qoeData?: Qoe, params?: Params): this {
    return this.event('sessionStart', at, playhead, {
      ...(qoeData ? { qoeData } : {}),
      ...(params ? { params } : {}),
    });
  }
  play(at: number, playhead: number, qoeData?: Qoe): this {
    return this.event('play', at, playhead, qoeData ? { qoeData } : {});
  }
  ping(at: number, playhead: number, qoeData?: Qoe): this {
    return this.event('ping', at, playhead, qoeData ? { qoeData } : {});
  }
  /** One ping every `every` seconds from `from` to `to` inclusive, at `playheadAt(second)`. */
  pings(from: number, to: number, every: number, playheadAt: (at: number) => number): this {
    for (let at = from; at <= to; at += every) this.ping(at, playheadAt(at));
    return this;
  }
  pauseStart(at: number, playhead: number): this {
    return this.event('pauseStart', at, playhead);
  }
  bufferStart(at: number, playhead: number): this {
    return this.event('bufferStart', at, playhead);
  }
  bitrateChange(at: number, playhead: number, bitrate: number): this {
    return this.event('bitrateChange', at, playhead, { qoeData: { 'media.qoe.bitrate': bitrate } });
  }
  error(at: number, playhead: number, members: Members): this {
    return this.event('error', at, playhead, members);
  }
  adBreakStart(at: number, playhead: number, podIndex = 0): this {
    return this.event('adBreakStart', at, playhead, {
      params: { 'media.ad.podIndex': podIndex, 'media.ad.podSecond': playhead },
    });
  }
  adBreakComplete(at: number, playhead: number): this {
    return this.event('adBreakComplete', at, playhead);
  }
  adStart(at: number, playhead: number, id = 'ad', length = 15, podPosition = 1): this {
    return this.event('adStart', at, playhead, {
      params: {
        'media.ad.id': id,
        'media.ad.length': length,
        'media.ad.podPosition': podPosition,
        'media.ad.playerName': 'test-player',
      },
    });
  }
  adComplete(at: number, playhead: number): this {
    return this.event('adComplete', at, playhead);
  }
  adSkip(at: number, playhead: number): this {
    return this.event('adSkip', at, playhead);
  }
  chapterStart(at: number, playhead: number, index: number, length: number): this {
    return this.event('chapterStart', at, playhead, {
      params: {
        'media.chapter.index': index,
        'media.chapter.offset': playhead,
        'media.chapter.length': length,
      },
    });
  }
  chapterComplete(at: number, playhead: number): this {
    return this.event('chapterComplete', at, playhead);
  }
  chapterSkip(at: number, playhead: number): this {
    return this.event('chapterSkip', at, playhead);
  }
  stateStart(at: number, playhead: number, name: string): this {
    return this.event('stateStart', at, playhead, { params: { 'media.state.name': name } });
  }
  stateEnd(at: number, playhead: number, name: string): this {
    return this.event('stateEnd', at, playhead, { params: { 'media.state.name': name } });
  }
  statesUpdate(
    at: number,
    playhead: number,
    change: { start?: readonly string[]; end?: readonly string[] },
  ): this {
    const list = (names: readonly string[]) => names.map((name) => ({ 'media.state.name': name }));
    const params: Record<string, unknown> = {};
    if (change.start) params.statesStart = list(change.start);
    if (change.end) params.statesEnd = list(change.end);
    return this.event('statesUpdate', at, playhead, { params });
  }
  sessionComplete(at: number, playhead: number): this {
    return this.event('sessionComplete', at, playhead);
  }
  contentComplete(at: number, playhead: number): this {
    return this.event('contentComplete', at, playhead);
  }
  sessionEnd(at: number, playhead: number): this {
    return this.event('sessionEnd', at, playhead);
  }

  build(): MetricEvent[] {
    return [...this.events];
  }
}

export const timeline = (t0 = T0) => new Timeline(t0);

/** Runs the engine on a built timeline; intervals are capped at the default unless told. */
export function metricsOf(
  events: Timeline | readonly MetricEvent[],
  mediaLength: number,
  closed = true,
  maxIntervalSeconds = DEFAULT_MAX_INTERVAL_SECONDS,
): SessionMetrics {
  const list = events instanceof Timeline ? events.build() : events;
  return computeSessionMetrics({ events: list, mediaLength, closed, maxIntervalSeconds });
}

/** Every order of `items` (n! of them: keep n small). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** A deterministic shuffle (mulberry32), so an out-of-order test always sees the same order. */
export function shuffled<T>(items: readonly T[], seed = 1): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
