import { qoeKey, qoeValue } from '../qoe-params.js';
import { type MetricEvent, inPlayerOrder } from './metric-event.js';
import { ErrorIds } from './error-ids.js';
import { PlayerStates } from './player-states.js';
import { WatchedRanges } from './watched-ranges.js';

export { MAX_ERROR_IDS_PER_SOURCE } from './error-ids.js';
export { MAX_PLAYER_STATES } from './player-states.js';
export { MAX_WATCHED_RANGES } from './watched-ranges.js';

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
    /** The first `MAX_ERROR_IDS_PER_SOURCE` distinct ids of each source. */
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
  /**
   * What the engine corrected: intervals capped at the maximum (or below 0, out of player order),
   * playheads above media.length, and gaps counted as watched past `MAX_WATCHED_RANGES`.
   */
  readonly clamped: number;
}

export const PROGRESS_MARKERS = { p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 } as const;
export type ProgressMarker = keyof typeof PROGRESS_MARKERS;

/** `METRICS_MAX_INTERVAL_SECONDS` by default: the idle timeout's default (contract C5, C8). */
export const DEFAULT_MAX_INTERVAL_SECONDS = 600;

/** A stall is this many consecutive events, playing main content, with an unchanged playhead. */
const STALL_EVENTS = 3;

export interface SessionMetricsOptions {
  /** `media.length` of the sessionStart, seconds; 0 when the length is unknown. */
  readonly mediaLength: number;
  /**
   * The most one interval between two events counts, seconds: a longer gap cannot happen in a
   * live open session, so it is a player clock jump or a forged ts.
   */
  readonly maxIntervalSeconds: number;
}

export interface SessionMetricsInput extends SessionMetricsOptions {
  readonly events: readonly MetricEvent[];
  readonly closed: boolean;
}

/** What a builder holds beside its counters; each is bounded by a constant. */
export interface RetainedSize {
  /** At most twice `MAX_WATCHED_RANGES`. */
  readonly watchedRanges: number;
  /** At most twice `MAX_ERROR_IDS_PER_SOURCE` (both sources). */
  readonly errorIds: number;
  /** At most `MAX_PLAYER_STATES`. */
  readonly states: number;
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

type QoeData = Readonly<Record<string, unknown>>;

// The measures read from the qoeData of every event, under either name as `qoeValue` reads them
// (the prefixed one first), with the prefixed names built once instead of on every read.
const BITRATE = qoeKey('bitrate');
const DROPPED_FRAMES = qoeKey('droppedFrames');
const TIME_TO_START = qoeKey('timeToStart');
const bitrateOf = (qoeData: QoeData) => finite(qoeData[BITRATE] ?? qoeData.bitrate);
const droppedFramesOf = (qoeData: QoeData) =>
  finite(qoeData[DROPPED_FRAMES] ?? qoeData.droppedFrames);
const timeToStartOf = (qoeData: QoeData) => finite(qoeData[TIME_TO_START] ?? qoeData.timeToStart);

/**
 * The event's time to start in ms: its qoeData's, or on the sessionStart its params' (where
 * Adobe's docs tell MCA users to put it); qoeData first when both hold one.
 */
function timeToStartMs(event: MetricEvent): number | undefined {
  const fromQoe = event.qoeData ? timeToStartOf(event.qoeData) : undefined;
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
 * Computes a session's metrics (contract C5) from its events, fed one at a time in player order
 * (ts, then tie precedence, then seq: `inPlayerOrder`, or SQL ordered by `tiePrecedenceSql`).
 * Between two consecutive events, the time (capped at `maxIntervalSeconds`) belongs to the state
 * in force after the first; nothing is counted past the last event.
 *
 * It keeps counters and a few bounded structures, never the events, so its memory does not grow
 * with the session. An event out of player order is taken as it comes: an interval back in time
 * counts 0 (and is counted in `clamped`), so no figure becomes negative or NaN.
 */
export class SessionMetricsBuilder {
  private readonly mediaLength: number;
  private readonly knownLength: boolean;
  private readonly maxIntervalMs: number;

  private playback: Playback = 'starting';
  private inBreak = false;
  private inAd = false;
  private inChapter = false;
  private bitrate: number | undefined = undefined;

  // The session clock: the sum of the intervals so far, each capped. Spans that run over several
  // intervals (states, stalls) are differences of it, so each of their intervals is capped too.
  private clockMs = 0;
  private clamped = 0;

  private contentMs = 0;
  private adMs = 0;
  private chapterMs = 0;
  private pauseMs = 0;
  private bufferMs = 0;
  private bitrateWeighted = 0;
  private bitrateMs = 0;
  private pauseCount = 0;
  private bufferCount = 0;
  private contentStarted = false;
  private contentCompleted = false;
  private maxMainPlayhead = Number.NEGATIVE_INFINITY;
  private readonly watched = new WatchedRanges();

  private stallRun = 0;
  private stallRunStart = 0;
  private stallPlayhead = 0;
  private stallCount = 0;
  private stallMs = 0;

  private breaks = 0;
  private adStarts = 0;
  private adCompletes = 0;
  private chapterStarts = 0;
  private chapterCompletes = 0;
  private bitrateChanges = 0;
  private errorCount = 0;
  private readonly playerIds = new ErrorIds();
  private readonly externalIds = new ErrorIds();
  private timeToStart: number | null = null;
  private droppedFrames: number | null = null;
  private readonly states = new PlayerStates();

  // The previous event: whether there was one, its ts (the latest seen, so the clock never runs
  // back), and its playhead as sent and as clamped.
  private started = false;
  private previousTs = 0;
  private previousSentPlayhead = 0;
  private previousPlayhead = 0;

  constructor({ mediaLength, maxIntervalSeconds }: SessionMetricsOptions) {
    this.mediaLength = mediaLength;
    this.knownLength = Number.isFinite(mediaLength) && mediaLength > 0;
    this.maxIntervalMs = maxIntervalSeconds * 1000;
  }

  /** Counts one event; events must come in player order (see the class). */
  add(event: MetricEvent): void {
    const eventInBreak = this.inBreak || event.eventType === 'adBreakStart';
    // Playhead figures never exceed a known media.length.
    const beyondLength = this.knownLength && event.playhead > this.mediaLength;
    if (beyondLength) this.clamped += 1;
    const playhead = beyondLength ? this.mediaLength : event.playhead;

    if (this.started) this.countInterval(event, playhead);
    else this.previousTs = event.ts;

    // A run of events, playing main content, that all hold one playhead.
    const playingMain = this.started && this.playback === 'playing' && !eventInBreak;
    if (playingMain && this.stallRun > 0 && event.playhead === this.stallPlayhead) {
      this.stallRun += 1;
    } else {
      this.endStall();
      if (playingMain) {
        this.stallRun = 1;
        this.stallRunStart = this.clockMs;
        this.stallPlayhead = event.playhead;
      }
    }

    if (!eventInBreak && playhead > this.maxMainPlayhead) this.maxMainPlayhead = playhead;

    // Most events are pings, which change nothing here.
    if (event.eventType !== 'ping') this.apply(event, eventInBreak);

    // Most events carry no qoeData: skip its look-ups.
    const qoeData = event.qoeData;
    if (qoeData) {
      const newBitrate = bitrateOf(qoeData);
      if (newBitrate !== undefined) this.bitrate = newBitrate;
      const dropped = droppedFramesOf(qoeData);
      if (dropped !== undefined) this.droppedFrames = dropped;
    }
    if (this.timeToStart === null) {
      const startMs = timeToStartMs(event);
      if (startMs !== undefined) this.timeToStart = seconds(startMs);
    }

    this.started = true;
    this.previousSentPlayhead = event.playhead;
    this.previousPlayhead = playhead;
  }

  /** The metrics of the events so far; `closed` tells whether the session has closed. */
  result(closed: boolean): SessionMetrics {
    // A stall still running at the last event ends there.
    const openStall = this.stallRun >= STALL_EVENTS;
    const stallCount = openStall ? this.stallCount + 1 : this.stallCount;
    const stallMs = openStall ? this.stallMs + (this.clockMs - this.stallRunStart) : this.stallMs;

    const contentTimeSpent = seconds(this.contentMs);
    const adTimeSpent = seconds(this.adMs);
    const mediaTimeSpent = contentTimeSpent + adTimeSpent;
    const { knownLength, mediaLength } = this;

    return {
      contentStarted: this.contentStarted,
      contentCompleted: this.contentCompleted,
      dropBeforeStart: closed && !this.contentStarted,
      contentTimeSpent,
      adTimeSpent,
      mediaTimeSpent,
      uniqueTimePlayed: this.watched.total(),
      pause: { count: this.pauseCount, duration: seconds(this.pauseMs) },
      buffer: { count: this.bufferCount, duration: seconds(this.bufferMs) },
      stall: { count: stallCount, duration: seconds(stallMs) },
      progress: knownLength ? progressOf(this.maxMainPlayhead, mediaLength) : null,
      // A media.length near zero (still > 0) would make the ratio infinite, which no report can
      // hold.
      averageMinuteAudience: knownLength ? finiteOrZero(contentTimeSpent / mediaLength) : null,
      estimatedStreams: Math.floor(mediaTimeSpent / 1800) + 1,
      bitrate: {
        average: this.bitrateMs > 0 ? this.bitrateWeighted / this.bitrateMs : null,
        changes: this.bitrateChanges,
      },
      timeToStart: this.timeToStart,
      droppedFrames: this.droppedFrames,
      errors: {
        count: this.errorCount,
        playerIds: this.playerIds.list(),
        externalIds: this.externalIds.list(),
      },
      ads: {
        breaks: this.breaks,
        starts: this.adStarts,
        completes: this.adCompletes,
        timeSpent: adTimeSpent,
      },
      chapters: {
        starts: this.chapterStarts,
        completes: this.chapterCompletes,
        timeSpent: seconds(this.chapterMs),
      },
      states: this.states.report(this.clockMs),
      clamped: this.clamped + this.watched.gapsFilled,
    };
  }

  /** What the builder holds beside its counters: bounded whatever the session holds. */
  retainedSize(): RetainedSize {
    return {
      watchedRanges: this.watched.size,
      errorIds: this.playerIds.size + this.externalIds.size,
      states: this.states.size,
    };
  }

  /** The interval since the previous event, in the state that event left. */
  private countInterval(event: MetricEvent, playhead: number): void {
    const gap = event.ts - this.previousTs;
    let dt = 0;
    if (gap >= 0) {
      if (gap > this.maxIntervalMs) this.clamped += 1;
      dt = Math.min(gap, this.maxIntervalMs);
      this.previousTs = event.ts;
    } else {
      // Back in time (or no number): out of player order, so no time passed.
      this.clamped += 1;
      if (Number.isNaN(this.previousTs)) this.previousTs = event.ts;
    }
    this.clockMs += dt;
    if (this.playback === 'playing') {
      if (this.inAd) {
        this.adMs += dt;
      } else if (!this.inBreak) {
        this.contentMs += dt;
        if (this.inChapter) this.chapterMs += dt;
        // A jump further than the (capped) wall time allows, plus 1 s, is a seek and covers
        // nothing; it is judged on the playheads as sent, before clamping.
        const moved = event.playhead - this.previousSentPlayhead;
        if (moved >= 0 && moved <= seconds(dt) + 1)
          this.watched.add(this.previousPlayhead, playhead);
      }
      if (this.bitrate !== undefined && (this.inAd || !this.inBreak)) {
        this.bitrateWeighted += this.bitrate * dt;
        this.bitrateMs += dt;
      }
    } else if (this.playback === 'paused') {
      this.pauseMs += dt;
    } else if (this.playback === 'buffering') {
      this.bufferMs += dt;
    }
  }

  private endStall(): void {
    if (this.stallRun >= STALL_EVENTS) {
      this.stallCount += 1;
      this.stallMs += this.clockMs - this.stallRunStart;
    }
    this.stallRun = 0;
  }

  /** The event's own effect on the playback state and the counts. */
  private apply(event: MetricEvent, eventInBreak: boolean): void {
    const params = event.params ?? undefined;
    switch (event.eventType) {
      case 'play':
        if (!eventInBreak) this.contentStarted = true;
        this.playback = 'playing';
        break;
      case 'pauseStart':
        if (this.playback !== 'paused') this.pauseCount += 1;
        this.playback = 'paused';
        break;
      case 'bufferStart':
        if (this.playback !== 'buffering') this.bufferCount += 1;
        this.playback = 'buffering';
        break;
      case 'adBreakStart':
        this.breaks += 1;
        this.inBreak = true;
        this.inAd = false;
        break;
      case 'adBreakComplete':
        this.inBreak = false;
        this.inAd = false;
        break;
      case 'adStart':
        // An ad outside a break is ignored: its time stays content time.
        if (this.inBreak) {
          this.adStarts += 1;
          this.inAd = true;
        }
        break;
      case 'adComplete':
        if (this.inAd) this.adCompletes += 1;
        this.inAd = false;
        break;
      case 'adSkip':
        this.inAd = false;
        break;
      case 'chapterStart':
        this.chapterStarts += 1;
        this.inChapter = true;
        break;
      case 'chapterComplete':
        if (this.inChapter) this.chapterCompletes += 1;
        this.inChapter = false;
        break;
      case 'chapterSkip':
        this.inChapter = false;
        break;
      case 'bitrateChange':
        this.bitrateChanges += 1;
        break;
      case 'error': {
        this.errorCount += 1;
        const { id, external } = errorOf(event);
        if (id) (external ? this.externalIds : this.playerIds).add(id);
        break;
      }
      case 'stateStart': {
        const name = text(params?.['media.state.name']);
        if (name) this.states.start(name, this.clockMs);
        break;
      }
      case 'stateEnd': {
        const name = text(params?.['media.state.name']);
        if (name) this.states.end(name, this.clockMs);
        break;
      }
      case 'statesUpdate':
        for (const name of stateNames(params?.statesEnd)) this.states.end(name, this.clockMs);
        for (const name of stateNames(params?.statesStart)) this.states.start(name, this.clockMs);
        break;
      case 'sessionComplete':
      case 'contentComplete':
        this.contentCompleted = true;
        break;
    }
  }
}

/** Computes a session's metrics from its events, in any order (sorted here into player order). */
export function computeSessionMetrics({
  events,
  mediaLength,
  closed,
  maxIntervalSeconds,
}: SessionMetricsInput): SessionMetrics {
  const builder = new SessionMetricsBuilder({ mediaLength, maxIntervalSeconds });
  for (const event of inPlayerOrder(events)) builder.add(event);
  return builder.result(closed);
}
