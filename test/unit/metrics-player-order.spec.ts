import { describe, expect, it } from 'vitest';
import { type MetricEvent, inPlayerOrder } from '../../src/media/metrics/metric-event.js';
import { type Timeline, metricsOf, permutations, timeline } from '../support/timeline.js';

// "@6" = 6 s after the session's first event; "ph" is the playhead. C5 (revised): at one ts,
// sessionStart first, then what ends something, then what starts something, then play,
// pauseStart, bufferStart, then ping, bitrateChange, error, then the completes, then sessionEnd;
// arrival (seq) only breaks what that leaves. Values worked from C5.

type Step = (t: Timeline) => Timeline;

/** Builds a timeline with `steps` sent in the order given (so `seq` follows that order). */
const sent = (steps: readonly Step[], t = timeline()) => steps.reduce((acc, step) => step(acc), t);

describe('C5 (revised) inPlayerOrder', () => {
  const sorted: MetricEvent[] = [
    { eventType: 'sessionStart', ts: 1, playhead: 0, seq: 1 },
    { eventType: 'adBreakStart', ts: 1, playhead: 0, seq: 3 },
    { eventType: 'adStart', ts: 1, playhead: 0, seq: 2 },
    { eventType: 'play', ts: 1, playhead: 0, seq: 4 },
    { eventType: 'ping', ts: 2, playhead: 0, seq: 5 },
  ];

  it('C5: input already in player order is returned as is (one pass, no copy)', () => {
    // adBreakStart (seq 3) before adStart (seq 2) at ts 1 is the precedence, not an inversion
    expect(inPlayerOrder(sorted)).toBe(sorted);
  });

  it('C5: a tie out of precedence is sorted into a new array; the input is left alone', () => {
    const arrival = [sorted[3], sorted[2], sorted[0], sorted[1], sorted[4]];
    const before = [...arrival];
    const ordered = inPlayerOrder(arrival);
    expect(ordered).not.toBe(arrival);
    expect(ordered).toEqual(sorted);
    expect(arrival).toEqual(before);
  });

  it('C5: ts comes before precedence (a sessionEnd at ts 1 goes before a sessionStart at ts 2)', () => {
    const events: MetricEvent[] = [
      { eventType: 'sessionStart', ts: 2, playhead: 0, seq: 1 },
      { eventType: 'sessionEnd', ts: 1, playhead: 0, seq: 2 },
    ];
    expect(inPlayerOrder(events).map((e) => e.eventType)).toEqual(['sessionEnd', 'sessionStart']);
  });
});

describe('C5 (revised) tie precedence: adBreakStart, adStart and play with one ts', () => {
  // The SDKs give the break, its first ad and the play one ts and send them in parallel.
  const opening: Step[] = [
    (t) => t.adBreakStart(1, 0),
    (t) => t.adStart(1, 0, 'pre', 5),
    (t) => t.play(1, 0),
  ];
  const closing: Step[] = [
    (t) => t.adComplete(6, 0),
    (t) => t.adBreakComplete(6, 0),
    (t) => t.play(6, 0),
  ];
  const session = (first: readonly Step[], last: readonly Step[]) =>
    sent([
      (t) => t.sessionStart(0, 0),
      ...first,
      (t) => t.pings(2, 5, 1, () => 0),
      ...last,
      (t) => t.ping(16, 10).ping(26, 20).sessionEnd(26, 20),
    ]);

  it('C5: every arrival order of both triples gives the same metrics, worked out exactly', () => {
    const reference = metricsOf(session(opening, closing), 600);
    // @1 adBreakStart, adStart, play: playing in the ad; ad @1 → adComplete@6 = 5 s
    expect(reference.ads).toEqual({ breaks: 1, starts: 1, completes: 1, timeSpent: 5 });
    // @6 adComplete, adBreakComplete, play: content @6 → sessionEnd@26 = 20 s
    expect(reference.contentTimeSpent).toBe(20);
    expect(reference.mediaTimeSpent).toBe(25);
    // play@1 is in the break; play@6 (after adBreakComplete) is the content start
    expect(reference.contentStarted).toBe(true);
    // [0,10] [10,20] after the break = 20 s; the held playhead in the break is no stall
    expect(reference.uniqueTimePlayed).toBe(20);
    expect(reference.stall).toEqual({ count: 0, duration: 0 });
    // 3! × 3! = 36 arrival orders
    const orders = permutations(opening).flatMap((first) =>
      permutations(closing).map((last) => [first, last] as const),
    );
    expect(orders).toHaveLength(36);
    for (const [first, last] of orders)
      expect(metricsOf(session(first, last), 600)).toEqual(reference);
  });

  it('C5: a play sent before its pre-roll break is still in the break (no content start)', () => {
    for (const first of permutations(opening)) {
      const m = metricsOf(
        sent([(t) => t.sessionStart(0, 0), ...first, (t) => t.pings(2, 5, 1, () => 0)]),
        600,
      );
      // every order: adBreakStart, adStart, play @1; ad @1 → ping@5 = 4 s; closed without a
      // main-content play: dropped before start
      expect(m.ads).toEqual({ breaks: 1, starts: 1, completes: 0, timeSpent: 4 });
      expect(m.contentStarted).toBe(false);
      expect(m.dropBeforeStart).toBe(true);
      expect(m.contentTimeSpent).toBe(0);
    }
  });
});

describe('C5 (revised) tie precedence: what ends goes before what starts', () => {
  it('C5: adComplete and the next adStart at one ts count two ads, in either arrival order', () => {
    const at5: Step[] = [(t) => t.adComplete(5, 0), (t) => t.adStart(5, 0, 'B', 5, 2)];
    for (const order of permutations(at5)) {
      const m = metricsOf(
        sent([
          (t) =>
            t
              .adBreakStart(0, 0)
              .adStart(0, 0, 'A', 5, 1)
              .play(0, 0)
              .pings(1, 4, 1, () => 0),
          ...order,
          (t) =>
            t
              .pings(6, 9, 1, () => 0)
              .adComplete(10, 0)
              .adBreakComplete(10, 0)
              .play(10, 0)
              .ping(20, 10),
        ]),
        600,
      );
      // A: @0 → adComplete@5 = 5 s; B: adStart@5 → adComplete@10 = 5 s; both completed
      expect(m.ads).toEqual({ breaks: 1, starts: 2, completes: 2, timeSpent: 10 });
      // content: play@10 → ping@20 = 10 s
      expect(m.contentTimeSpent).toBe(10);
    }
  });

  it('C5: chapterComplete and the next chapterStart at one ts count two chapters', () => {
    const at10: Step[] = [(t) => t.chapterComplete(10, 10), (t) => t.chapterStart(10, 10, 2, 10)];
    for (const order of permutations(at10)) {
      const m = metricsOf(
        sent([
          (t) => t.play(0, 0).chapterStart(0, 0, 1, 10).ping(5, 5),
          ...order,
          (t) => t.ping(15, 15).chapterComplete(20, 20).ping(25, 25),
        ]),
        600,
      );
      // chapter 1 @0→@10, chapter 2 @10→@20: 20 s, both completed; content @0→@25 = 25 s
      expect(m.chapters).toEqual({ starts: 2, completes: 2, timeSpent: 20 });
      expect(m.contentTimeSpent).toBe(25);
    }
  });

  it('C5: stateEnd then stateStart of one name at one ts is a second entry; two starts at one ts both count', () => {
    const at10: Step[] = [
      (t) => t.stateStart(10, 10, 'mute'),
      (t) => t.stateEnd(10, 10, 'mute'),
      (t) => t.stateStart(10, 10, 'fullscreen'),
      (t) => t.stateStart(10, 10, 'closedCaptioning'),
    ];
    const results = permutations(at10).map((order) =>
      metricsOf(
        sent([
          (t) => t.play(0, 0).stateStart(0, 0, 'mute').ping(10, 10),
          ...order,
          (t) => t.ping(20, 20).stateEnd(25, 25, 'mute').ping(30, 30),
        ]),
        600,
      ),
    );
    for (const m of results) {
      // mute: @0 → stateEnd@10 = 10 s, then again @10 → stateEnd@25 = 15 s: 2 entries, 25 s
      expect(m.states.mute).toEqual({ count: 2, time: 25 });
      // both started @10, never ended: to the last event @30 = 20 s each
      expect(m.states.fullscreen).toEqual({ count: 1, time: 20 });
      expect(m.states.closedCaptioning).toEqual({ count: 1, time: 20 });
    }
    expect(results).toHaveLength(24);
  });

  it('C5: the sessionStart goes first at its ts, so its timeToStart is the first', () => {
    // the play arrived first (seq 0) with 900 ms; the sessionStart (seq 1) carries 1200 ms
    const m = metricsOf(
      timeline()
        .play(0, 0, { 'media.qoe.timeToStart': 900 })
        .sessionStart(0, 0, { 'media.qoe.timeToStart': 1200 })
        .ping(10, 10),
      600,
    );
    expect(m.timeToStart).toBe(1.2);
  });
});
