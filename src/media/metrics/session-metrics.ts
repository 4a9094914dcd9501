import { qoeValue } from '../qoe-params.js';
import { type MetricEvent, inPlayerOrder } from './metric-event.js';
import { PlayerStates } from './player-states.js';
import { WatchedRanges } from './watched-ranges.js';

export { MAX_PLAYER_STATES } from './player-states.js';

/** The per-session metrics of contract C5. Times are seconds (ms / 1000, not rounded). */
export interface SessionMetrics {
  readonly contentStarted: boolean;
  readonly contentCompleted: boolean;
  readonly dropBeforeStart: boolean;
  readonly contentTimeSpent: number;
  readonly adTimeSpent: number;
  readonly mediaTimeSpent: number;
  readonly uniqueTimePlayed: number;
  readonly pause: { readonly count: number; readonly duration: number };
  readonly buffer: { readonly count: number; readonly duration: number };
  readonly stall: { readonly count: number; readonly duration: number };
  /** Null when `media.length` is unknown (0): no share of it can be reached. */
  readonly progress: Readonly<Record<ProgressMarker, boolean>> | null;
  /** Null when `media.length` is unknown (0). */
  readonly averageMinuteAudience: number | null;
  readonly estimatedStreams: number;
  readonly bitrate: { readonly average: number | null; readonly changes: number };
  readonly timeToStart: number | null;
  readonly droppedFrames: number | null;
  readonly errors: {
    readonly count: number;
    readonly playerIds: readonly string[];
    readonly externalIds: readonly string[];
  };
  readonly ads: {
    readonly breaks: number;
    readonly starts: number;
    readonly completes: number;
    readonly timeSpent: number;
  };
  readonly chapters: {
    readonly starts: number;
    readonly completes: number;
    readonly timeSpent: number;
  };
  readonly states: Readonly<Record<string, { readonly count: number; readonly time: number }>>;
  /** What the engine corrected: intervals capped at the maximum, playheads above media.length. */
  readonly clamped: number;
}

export const PROGRESS_MARKERS = { p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 } as const;
export type ProgressMarker = keyof typeof PROGRESS_MARKERS;

/** `METRICS_MAX_INTERVAL_SECONDS` by default: the idle timeout's default (contract C5, C8). */
export const DEFAULT_MAX_INTERVAL_SECONDS = 600;

/** A stall is this many consecutive events, playing main content, with an unchanged playhead. */
const STALL_EVENTS = 3;

export interface SessionMetricsInput {
  readonly events: readonly MetricEvent[];
  /** `media.length` of the sessionStart, seconds; 0 when the length is unknown. */
  readonly mediaLength: number;
  readonly closed: boolean;
  /**
   * The most one interval between two events counts, seconds: a longer gap cannot happen in a
   * live open session, so it is a player clock jump or a forged ts.
   */
  readonly maxIntervalSeconds: number;
}

type Playback = 'starting' | 'playing' | 'paused' | 'buffering';

const seconds = (ms: number) => ms / 1000;
const finiteOrZero = (value: number) => (Number.isFinite(value) ? value : 0);
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const finite = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function stateNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const name = text((item as Record<string, unknown> | null)?.['media.state.name']);
    return name ? [name] : [];
  });
}

/**
 * The event's time to start in ms: its qoeData's, or on the sessionStart its params' (where
 * Adobe's docs tell MCA users to put it); qoeData first when both hold one.
 */
function timeToStartMs(event: MetricEvent): number | undefined {
  const fromQoe = finite(qoeValue(event.qoeData, 'timeToStart'));
  if (fromQoe !== undefined || event.eventType !== 'sessionStart') return fromQoe;
  return finite(event.params?.['media.qoe.timeToStart']);
}

/** An error's id and source from params, else qoeData (either spelling); no source means player. */
function errorOf(event: MetricEvent): { id: string | undefined; external: boolean } {
  const params = event.params ?? undefined;
  const id = text(params?.['media.errorId']) ?? text(qoeValue(event.qoeData, 'errorID'));
  const source =
    text(params?.['media.errorSource']) ?? text(qoeValue(event.qoeData, 'errorSource'));
  return { id, external: source === 'external' };
}

function progressOf(maxPlayhead: number, mediaLength: number): Record<ProgressMarker, boolean> {
  return Object.fromEntries(
    Object.entries(PROGRESS_MARKERS).map(([marker, share]) => [
      marker,
      // 0.1 * 12 is 1.2000000000000002 in floating point: a playhead of 1.2 has reached 10 %.
      maxPlayhead >= share * mediaLength * (1 - 1e-12),
    ]),
  ) as Record<ProgressMarker, boolean>;
}

/**
 * Computes a session's metrics from its events (contract C5), in one pass over them in player
 * order. Between two consecutive events, the time (capped at `maxIntervalSeconds`) belongs to the
 * state in force after the first; nothing is counted past the last event.
 */
export function computeSessionMetrics({
  events,
  mediaLength,
  closed,
  maxIntervalSeconds,
}: SessionMetricsInput): SessionMetrics {
  const ordered = inPlayerOrder(events);
  const knownLength = Number.isFinite(mediaLength) && mediaLength > 0;
  const maxIntervalMs = maxIntervalSeconds * 1000;

  let playback: Playback = 'starting';
  let inBreak = false;
  let inAd = false;
  let inChapter = false;
  let bitrate: number | undefined;

  // The session clock: the sum of the intervals so far, each capped. Spans that run over several
  // intervals (states, stalls) are differences of it, so each of their intervals is capped too.
  let clockMs = 0;
  let clamped = 0;

  let contentMs = 0;
  let adMs = 0;
  let chapterMs = 0;
  let pauseMs = 0;
  let bufferMs = 0;
  let bitrateWeighted = 0;
  let bitrateMs = 0;
  let pauseCount = 0;
  let bufferCount = 0;
  let contentStarted = false;
  let contentCompleted = false;
  let maxMainPlayhead = Number.NEGATIVE_INFINITY;
  const watched = new WatchedRanges();

  let stallRun = 0;
  let stallRunStart = 0;
  let stallPlayhead = 0;
  let stallCount = 0;
  let stallMs = 0;

  let breaks = 0;
  let adStarts = 0;
  let adCompletes = 0;
  let chapterStarts = 0;
  let chapterCompletes = 0;
  let bitrateChanges = 0;
  let errorCount = 0;
  const playerIds = new Set<string>();
  const externalIds = new Set<string>();
  let timeToStart: number | null = null;
  let droppedFrames: number | null = null;
  const states = new PlayerStates();

  const endStall = () => {
    if (stallRun >= STALL_EVENTS) {
      stallCount += 1;
      stallMs += clockMs - stallRunStart;
    }
    stallRun = 0;
  };

  let previous: MetricEvent | undefined;
  let previousPlayhead = 0;
  for (const event of ordered) {
    const eventInBreak = inBreak || event.eventType === 'adBreakStart';
    // Playhead figures never exceed a known media.length.
    const beyondLength = knownLength && event.playhead > mediaLength;
    if (beyondLength) clamped += 1;
    const playhead = beyondLength ? mediaLength : event.playhead;

    if (previous) {
      // The interval since the previous event, in the state that event left.
      const gap = event.ts - previous.ts;
      if (gap > maxIntervalMs) clamped += 1;
      const dt = Math.min(gap, maxIntervalMs);
      clockMs += dt;
      if (playback === 'playing') {
        if (inAd) {
          adMs += dt;
        } else if (!inBreak) {
          contentMs += dt;
          if (inChapter) chapterMs += dt;
          // A jump further than the (capped) wall time allows, plus 1 s, is a seek and covers
          // nothing; it is judged on the playheads as sent, before clamping.
          const moved = event.playhead - previous.playhead;
          if (moved >= 0 && moved <= seconds(dt) + 1) watched.add(previousPlayhead, playhead);
        }
        if (bitrate !== undefined && (inAd || !inBreak)) {
          bitrateWeighted += bitrate * dt;
          bitrateMs += dt;
        }
      } else if (playback === 'paused') {
        pauseMs += dt;
      } else if (playback === 'buffering') {
        bufferMs += dt;
      }
    }

    // A run of events, playing main content, that all hold one playhead.
    const playingMain = previous !== undefined && playback === 'playing' && !eventInBreak;
    if (playingMain && stallRun > 0 && event.playhead === stallPlayhead) {
      stallRun += 1;
    } else {
      endStall();
      if (playingMain) {
        stallRun = 1;
        stallRunStart = clockMs;
        stallPlayhead = event.playhead;
      }
    }

    if (!eventInBreak && playhead > maxMainPlayhead) maxMainPlayhead = playhead;

    const params = event.params ?? undefined;
    switch (event.eventType) {
      case 'play':
        if (!eventInBreak) contentStarted = true;
        playback = 'playing';
        break;
      case 'pauseStart':
        if (playback !== 'paused') pauseCount += 1;
        playback = 'paused';
        break;
      case 'bufferStart':
        if (playback !== 'buffering') bufferCount += 1;
        playback = 'buffering';
        break;
      case 'adBreakStart':
        breaks += 1;
        inBreak = true;
        inAd = false;
        break;
      case 'adBreakComplete':
        inBreak = false;
        inAd = false;
        break;
      case 'adStart':
        // An ad outside a break is ignored: its time stays content time.
        if (inBreak) {
          adStarts += 1;
          inAd = true;
        }
        break;
      case 'adComplete':
        if (inAd) adCompletes += 1;
        inAd = false;
        break;
      case 'adSkip':
        inAd = false;
        break;
      case 'chapterStart':
        chapterStarts += 1;
        inChapter = true;
        break;
      case 'chapterComplete':
        if (inChapter) chapterCompletes += 1;
        inChapter = false;
        break;
      case 'chapterSkip':
        inChapter = false;
        break;
      case 'bitrateChange':
        bitrateChanges += 1;
        break;
      case 'error': {
        errorCount += 1;
        const { id, external } = errorOf(event);
        if (id) (external ? externalIds : playerIds).add(id);
        break;
      }
      case 'stateStart': {
        const name = text(params?.['media.state.name']);
        if (name) states.start(name, clockMs);
        break;
      }
      case 'stateEnd': {
        const name = text(params?.['media.state.name']);
        if (name) states.end(name, clockMs);
        break;
      }
      case 'statesUpdate':
        for (const name of stateNames(params?.statesEnd)) states.end(name, clockMs);
        for (const name of stateNames(params?.statesStart)) states.start(name, clockMs);
        break;
      case 'sessionComplete':
      case 'contentComplete':
        contentCompleted = true;
        break;
    }

    const newBitrate = finite(qoeValue(event.qoeData, 'bitrate'));
    if (newBitrate !== undefined) bitrate = newBitrate;
    if (timeToStart === null) {
      const startMs = timeToStartMs(event);
      if (startMs !== undefined) timeToStart = seconds(startMs);
    }
    const dropped = finite(qoeValue(event.qoeData, 'droppedFrames'));
    if (dropped !== undefined) droppedFrames = dropped;

    previous = event;
    previousPlayhead = playhead;
  }

  endStall();

  const contentTimeSpent = seconds(contentMs);
  const adTimeSpent = seconds(adMs);
  const mediaTimeSpent = contentTimeSpent + adTimeSpent;

  return {
    contentStarted,
    contentCompleted,
    dropBeforeStart: closed && !contentStarted,
    contentTimeSpent,
    adTimeSpent,
    mediaTimeSpent,
    uniqueTimePlayed: watched.total(),
    pause: { count: pauseCount, duration: seconds(pauseMs) },
    buffer: { count: bufferCount, duration: seconds(bufferMs) },
    stall: { count: stallCount, duration: seconds(stallMs) },
    progress: knownLength ? progressOf(maxMainPlayhead, mediaLength) : null,
    // A media.length near zero (still > 0) would make the ratio infinite, which no report can hold.
    averageMinuteAudience: knownLength ? finiteOrZero(contentTimeSpent / mediaLength) : null,
    estimatedStreams: Math.floor(mediaTimeSpent / 1800) + 1,
    bitrate: {
      average: bitrateMs > 0 ? bitrateWeighted / bitrateMs : null,
      changes: bitrateChanges,
    },
    timeToStart,
    droppedFrames,
    errors: { count: errorCount, playerIds: [...playerIds], externalIds: [...externalIds] },
    ads: { breaks, starts: adStarts, completes: adCompletes, timeSpent: adTimeSpent },
    chapters: { starts: chapterStarts, completes: chapterCompletes, timeSpent: seconds(chapterMs) },
    states: states.report(clockMs),
    clamped,
  };
}
