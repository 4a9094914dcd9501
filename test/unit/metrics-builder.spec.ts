import { describe, expect, it } from 'vitest';
import { type MetricEvent, inPlayerOrder } from '../../src/media/metrics/metric-event.js';
import {
  MAX_ERROR_IDS_PER_SOURCE,
  MAX_PLAYER_STATES,
  MAX_WATCHED_RANGES,
  SessionMetricsBuilder,
  computeSessionMetrics,
} from '../../src/media/metrics/session-metrics.js';
import { shuffled, timeline } from '../support/timeline.js';

// C5 computed one event at a time, in memory bounded by a constant. "@20" = 20 s after the
// session's first event; "ph" is the playhead. Values worked from C5.

const options = { mediaLength: 60, maxIntervalSeconds: 600 };

/** A session with something of everything, including a stall still running at its end. */
const rich = () =>
  timeline()
    .sessionStart(0, 0, { 'media.qoe.timeToStart': 1200, 'media.qoe.bitrate': 800_000 })
    .adBreakStart(0.2, 0)
    .adStart(0.2, 0, 'pre', 5)
    .play(0.3, 0)
    .pings(1.3, 4.3, 1, () => 0)
    .adComplete(5.3, 0)
    .adBreakComplete(5.3, 0)
    .play(5.3, 0)
    .chapterStart(5.3, 0, 1, 60)
    .stateStart(6, 0.7, 'fullscreen')
    .ping(15.3, 10)
    .bitrateChange(18, 12.7, 1_600_000)
    .bufferStart(20, 14.7)
    .play(27, 14.7)
    .pauseStart(30, 17.7)
    .error(31, 17.7, { params: { 'media.errorId': 'net', 'media.errorSource': 'external' } })
    .play(40, 17.7)
    .ping(50, 27.7, { 'media.qoe.droppedFrames': 4 })
    .ping(60, 20) // seek back
    .ping(70, 30)
    .ping(80, 30)
    .ping(90, 30)
    .build();

const feed = (events: readonly MetricEvent[], builder = new SessionMetricsBuilder(options)) => {
  for (const event of events) builder.add(event);
  return builder;
};

/** Every number in a result, wherever it is nested. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(numbersIn);
}

describe('C5 SessionMetricsBuilder', () => {
  it('C5: events fed one at a time in player order give what computeSessionMetrics gives', () => {
    const events = rich();
    const ordered = inPlayerOrder(shuffled(events, 7));
    expect(feed(ordered).result(true)).toEqual(
      computeSessionMetrics({ events, closed: true, ...options }),
    );
  });

  it('C5: result() between events is the open report of what has arrived, and changes nothing', () => {
    const events = inPlayerOrder(rich());
    const builder = new SessionMetricsBuilder(options);
    for (let n = 1; n <= events.length; n += 1) {
      builder.add(events[n - 1]);
      const prefix = events.slice(0, n);
      expect(builder.result(false)).toEqual(
        computeSessionMetrics({ events: prefix, closed: false, ...options }),
      );
    }
    const m = builder.result(true);
    // ping@70, @80, @90 at ph 30: a stall still running at the last event, @70 → @90
    expect(m.stall).toEqual({ count: 1, duration: 20 });
    expect(m.errors).toEqual({ count: 1, playerIds: [], externalIds: ['net'] });
    expect(m.dropBeforeStart).toBe(false);
  });

  it('C5: an event back in time counts a 0 interval, the clock resumes from the latest ts', () => {
    const m = feed([
      { eventType: 'sessionStart', ts: 0, playhead: 0, seq: 0 },
      { eventType: 'play', ts: 10_000, playhead: 0, seq: 1 },
      { eventType: 'ping', ts: 5_000, playhead: 5, seq: 2 },
      { eventType: 'ping', ts: 20_000, playhead: 10, seq: 3 },
    ]).result(true);
    // play@10 → ping@5: 0 s (counted as corrected); ping@5 → ping@20: from @10, 10 s
    expect(m.contentTimeSpent).toBe(10);
    expect(m.clamped).toBe(1);
    // 0 → 5 in 0 s is a seek; 5 → 10 in 10 s is watched
    expect(m.uniqueTimePlayed).toBe(5);
  });

  it('C5: any order of events, or a ts that is not a number, gives no negative or NaN figure', () => {
    const events = rich();
    const reversed = feed([...events].reverse()).result(true);
    for (const n of numbersIn(reversed)) expect(Number.isFinite(n) && n >= 0).toBe(true);
    for (const seed of [1, 2, 3]) {
      const m = feed(shuffled(events, seed)).result(true);
      for (const n of numbersIn(m)) expect(Number.isFinite(n) && n >= 0).toBe(true);
    }
    const m = feed([
      { eventType: 'sessionStart', ts: Number.NaN, playhead: 0, seq: 0 },
      { eventType: 'play', ts: 0, playhead: 0, seq: 1 },
      { eventType: 'ping', ts: Number.NaN, playhead: 1, seq: 2 },
      { eventType: 'ping', ts: 10_000, playhead: 10, seq: 3 },
    ]).result(true);
    // NaN → @0 and @0 → NaN count 0 s; NaN → @10 counts from @0: 10 s
    expect(m.contentTimeSpent).toBe(10);
    expect(m.clamped).toBe(2);
    for (const n of numbersIn(m)) expect(Number.isFinite(n) && n >= 0).toBe(true);
  });
});

describe('C5 SessionMetricsBuilder memory is bounded by a constant', () => {
  it('C5: 100,001 events with 49,999 error ids, states and seeks: bounded sizes, exact figures', () => {
    // 500 one-second pieces [4k, 4k + 1], visited 49,999 times in a scrambled order: each visit
    // a stateStart of a new name at ph 4k, then an error with a new id at ph 4k + 1, 1 s apart.
    // Every move between visits is a seek (back, or 3 s or more ahead in 1 s).
    const PIECES = 500;
    const VISITS = 49_999;
    const builder = new SessionMetricsBuilder({ mediaLength: 2000, maxIntervalSeconds: 600 });
    let n = 0;
    const add = (eventType: string, playhead: number, params?: Record<string, unknown>) => {
      builder.add({ eventType, ts: n * 1000, playhead, seq: n, ...(params ? { params } : {}) });
      n += 1;
    };
    add('sessionStart', 0);
    add('play', 0);
    let largest = 0;
    let k = 0;
    for (let v = 0; v < VISITS; v += 1) {
      k = (v * 7919) % PIECES;
      add('stateStart', 4 * k, { 'media.state.name': `s${v}` });
      const source = v % 2 === 0 ? 'player' : 'external';
      add('error', 4 * k + 1, { 'media.errorId': `e${v}`, 'media.errorSource': source });
      largest = Math.max(largest, builder.retainedSize().watchedRanges);
    }
    add('sessionEnd', 4 * k + 1);
    expect(n).toBe(100_001);

    expect(largest).toBeLessThanOrEqual(2 * MAX_WATCHED_RANGES);
    expect(builder.retainedSize()).toEqual({
      watchedRanges: expect.any(Number) as number,
      errorIds: 2 * MAX_ERROR_IDS_PER_SOURCE,
      states: MAX_PLAYER_STATES,
    });

    const m = builder.result(true);
    expect(m.errors.count).toBe(VISITS);
    // the first 100 of each source: e0, e2, … e198 (player) and e1, e3, … e199 (external)
    expect(m.errors.playerIds).toEqual(Array.from({ length: 100 }, (_, i) => `e${2 * i}`));
    expect(m.errors.externalIds).toEqual(Array.from({ length: 100 }, (_, i) => `e${2 * i + 1}`));
    // 500 disjoint pieces of 1 s: within the bound, so exact
    expect(m.uniqueTimePlayed).toBe(PIECES);
    expect(m.clamped).toBe(0);
    // play@1 → sessionEnd@100,000: 99,999 s of content, 1 s per interval
    expect(m.contentTimeSpent).toBe(99_999);
    expect(m.estimatedStreams).toBe(56);
    // the first ten names, never ended: the stateStart of visit v is event 2 + 2v, the last
    // event is 2 + 2 × 49,999, so state s<v> runs 2 × (49,999 − v) s
    expect(m.states).toEqual(
      Object.fromEntries(
        Array.from({ length: 10 }, (_, v) => [`s${v}`, { count: 1, time: 2 * (VISITS - v) }]),
      ),
    );
    expect(m.stall).toEqual({ count: 0, duration: 0 });
    // the highest piece ends at 4 × 499 + 1 = 1997 of 2000
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: true });
  });

  it('C5: past MAX_WATCHED_RANGES disjoint pieces, each merged gap is counted in clamped', () => {
    // 25,000 pieces [4k, 4k + 1] watched in order with a 3 s skip between them (a seek each)
    const PIECES = 25_000;
    const builder = new SessionMetricsBuilder({ mediaLength: 100_000, maxIntervalSeconds: 600 });
    let n = 0;
    const add = (eventType: string, playhead: number) => {
      builder.add({ eventType, ts: n * 1000, playhead, seq: n });
      n += 1;
    };
    add('sessionStart', 0);
    add('play', 0);
    let largest = 0;
    for (let k = 0; k < PIECES; k += 1) {
      add('ping', 4 * k);
      add('ping', 4 * k + 1);
      largest = Math.max(largest, builder.retainedSize().watchedRanges);
    }
    const m = builder.result(true);
    expect(largest).toBeLessThanOrEqual(2 * MAX_WATCHED_RANGES);
    const held = builder.retainedSize().watchedRanges;
    // nothing else to correct, so clamped is the gaps filled: one per piece merged away
    expect(m.clamped).toBe(PIECES - held);
    expect(m.clamped).toBeGreaterThanOrEqual(PIECES - 2 * MAX_WATCHED_RANGES);
    // every gap is 3 s: the figure is the 25,000 s watched plus 3 s per filled gap, and never
    // more than the span of playheads seen, [0, 99,997]
    expect(m.uniqueTimePlayed).toBe(PIECES + 3 * m.clamped);
    expect(m.uniqueTimePlayed).toBeLessThanOrEqual(4 * (PIECES - 1) + 1);
    // the content time is exact: play@1 → last ping@50,001
    expect(m.contentTimeSpent).toBe(50_000);
  });
});
