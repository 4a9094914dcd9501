import { type MetricEvent, inPlayerOrder } from './metric-event.js';
import { WatchedRanges } from './watched-ranges.js';

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
  readonly progress: Readonly<Record<ProgressMarker, boolean>>;
  readonly averageMinuteAudience: number;
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
}

export const PROGRESS_MARKERS = { p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 } as const;
export type ProgressMarker = keyof typeof PROGRESS_MARKERS;

/** Adobe keeps the first ten player states of a session and discards the rest. */
export const MAX_PLAYER_STATES = 10;

/** A stall is this many consecutive events, playing main content, with an unchanged playhead. */
const STALL_EVENTS = 3;

export interface SessionMetricsInput {
  readonly events: readonly MetricEvent[];
  /** `media.length` of the sessionStart, seconds (> 0). */
  readonly mediaLength: number;
  readonly closed: boolean;
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
 * Computes a session's metrics from its events (contract C5), in one pass over them in player
 * order. Between two consecutive events, the time belongs to the state in force after the first;
 * nothing is counted past the last event.
 */
export function computeSessionMetrics({
  events,
  mediaLength,
  closed,
}: SessionMetricsInput): SessionMetrics {
  const ordered = inPlayerOrder(events);

  let playback: Playback = 'starting';
  let inBreak = false;
  let inAd = false;
  let inChapter = false;
  let bitrate: number | undefined;

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

  const states = new Map<string, { count: number; time: number; since: number | undefined }>();
  const startState = (name: string, ts: number) => {
    let state = states.get(name);
    if (!state) {
      if (states.size >= MAX_PLAYER_STATES) return;
      state = { count: 0, time: 0, since: undefined };
      states.set(name, state);
    }
    if (state.since === undefined) {
      state.count += 1;
      state.since = ts;
    }
  };
  const endState = (name: string, ts: number) => {
    const state = states.get(name);
    if (state?.since === undefined) return;
    state.time += ts - state.since;
    state.since = undefined;
  };
  const endStall = (ts: number) => {
    if (stallRun >= STALL_EVENTS) {
      stallCount += 1;
      stallMs += ts - stallRunStart;
    }
    stallRun = 0;
  };

  let previous: MetricEvent | undefined;
  for (const event of ordered) {
    const eventInBreak = inBreak || event.eventType === 'adBreakStart';

    if (previous) {
      // The interval since the previous event, in the state that event left.
      const dt = event.ts - previous.ts;
      if (playback === 'playing') {
        if (inAd) {
          adMs += dt;
        } else if (!inBreak) {
          contentMs += dt;
          if (inChapter) chapterMs += dt;
          const moved = event.playhead - previous.playhead;
          // A jump further than the wall time allows (plus 1 s) is a seek and covers nothing.
          if (moved >= 0 && moved <= seconds(dt) + 1)
            watched.add(previous.playhead, event.playhead);
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
      endStall(event.ts);
      if (playingMain) {
        stallRun = 1;
        stallRunStart = event.ts;
        stallPlayhead = event.playhead;
      }
    }

    if (!eventInBreak && event.playhead > maxMainPlayhead) maxMainPlayhead = event.playhead;

    const params = event.params ?? undefined;
    const qoe = event.qoeData ?? undefined;
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
        const id = text(params?.['media.errorId']) ?? text(qoe?.['media.qoe.errorID']);
        const source = text(params?.['media.errorSource']) ?? text(qoe?.['media.qoe.errorSource']);
        if (id) (source === 'external' ? externalIds : playerIds).add(id);
        break;
      }
      case 'stateStart': {
        const name = text(params?.['media.state.name']);
        if (name) startState(name, event.ts);
        break;
      }
      case 'stateEnd': {
        const name = text(params?.['media.state.name']);
        if (name) endState(name, event.ts);
        break;
      }
      case 'statesUpdate':
        for (const name of stateNames(params?.statesEnd)) endState(name, event.ts);
        for (const name of stateNames(params?.statesStart)) startState(name, event.ts);
        break;
      case 'sessionComplete':
        contentCompleted = true;
        break;
    }

    const newBitrate = finite(qoe?.['media.qoe.bitrate']);
    if (newBitrate !== undefined) bitrate = newBitrate;
    const startTime = finite(qoe?.['media.qoe.timeToStart']);
    if (timeToStart === null && startTime !== undefined) timeToStart = seconds(startTime);
    const dropped = finite(qoe?.['media.qoe.droppedFrames']);
    if (dropped !== undefined) droppedFrames = dropped;

    previous = event;
  }

  const lastTs = previous?.ts ?? 0;
  endStall(lastTs);
  const stateReport: Record<string, { count: number; time: number }> = {};
  for (const [name, state] of states) {
    const open = state.since === undefined ? 0 : lastTs - state.since;
    stateReport[name] = { count: state.count, time: seconds(state.time + open) };
  }

  const contentTimeSpent = seconds(contentMs);
  const adTimeSpent = seconds(adMs);
  const mediaTimeSpent = contentTimeSpent + adTimeSpent;
  const progress = Object.fromEntries(
    Object.entries(PROGRESS_MARKERS).map(([marker, share]) => [
      marker,
      // 0.1 * 12 is 1.2000000000000002 in floating point: a playhead of 1.2 has reached 10 %.
      maxMainPlayhead >= share * mediaLength * (1 - 1e-12),
    ]),
  ) as Record<ProgressMarker, boolean>;

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
    progress,
    // A media.length near zero (still valid: > 0) would make the ratio infinite, which no report can hold.
    averageMinuteAudience: finiteOrZero(contentTimeSpent / mediaLength),
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
    states: stateReport,
  };
}
