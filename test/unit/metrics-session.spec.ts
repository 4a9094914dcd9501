import { describe, expect, it } from 'vitest';
import type { MetricEvent } from '../../src/media/metrics/metric-event.js';
import { T0, metricsOf, shuffled, timeline } from '../support/timeline.js';

// "@20" = 20 s after the session's first event; "ph" is the playhead. Values worked from C5.

/** A session with something of everything, to compare orders of arrival. */
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
    .ping(25.3, 14.7)
    .play(27, 14.7)
    .ping(35.3, 23)
    .ping(45.3, 23)
    .ping(55.3, 23)
    .ping(65.3, 33)
    .pauseStart(70, 37.7)
    .error(72, 37.7, { params: { 'media.errorId': 'net' } })
    .play(80, 37.7)
    .ping(90, 47.7, { 'media.qoe.droppedFrames': 4 })
    .ping(100, 40) // seek back
    .chapterComplete(110, 50)
    .sessionComplete(115, 55)
    .sessionEnd(115, 55);

describe('C5 player order', () => {
  it('C5: events arriving out of order give the same result as in order (sorted by ts)', () => {
    const events = rich().build();
    const inOrder = metricsOf(events, 60);
    // seq is the arrival number kept on each event, so a shuffle only changes the array order
    for (const seed of [1, 2, 3, 42])
      expect(metricsOf(shuffled(events, seed), 60)).toEqual(inOrder);
    expect(metricsOf([...events].reverse(), 60)).toEqual(inOrder);
  });

  it('C5: the rich session adds up', () => {
    const m = metricsOf(rich(), 60);
    // ad: play@0.3 → adComplete@5.3 = 5 s
    // content: play@5.3 → bufferStart@20 = 14.7 s; play@27 → pauseStart@70 = 43 s;
    //          play@80 → sessionEnd@115 = 35 s; total 92.7 s
    expect(m.adTimeSpent).toBe(5);
    expect(m.contentTimeSpent).toBe(92.7); // 92700 ms / 1000
    expect(m.buffer).toEqual({ count: 1, duration: 7 }); // @20→@27
    expect(m.pause).toEqual({ count: 1, duration: 10 }); // @70→@80 (the error keeps the state)
    // sessionStart's 1200 ms; the ping@90's 4 frames; the error 'net' has no source: player
    expect(m.timeToStart).toBe(1.2);
    expect(m.droppedFrames).toBe(4);
    expect(m.errors).toEqual({ count: 1, playerIds: ['net'], externalIds: [] });
    // chapter 1: play@5.3 → chapterComplete@110, less buffering @20→@27 and pause @70→@80
    //   = 104.7 − 7 − 10 = 87.7 s
    expect(m.chapters).toEqual({ starts: 1, completes: 1, timeSpent: 87.7 });
  });

  it('C5 (revised tie precedence): at one ts play goes before pauseStart, whatever arrived first', () => {
    const at20 = T0 + 20_000;
    const base: MetricEvent[] = [
      { eventType: 'play', ts: T0, playhead: 0, seq: 0 },
      { eventType: 'ping', ts: T0 + 10_000, playhead: 10, seq: 1 },
      { eventType: 'ping', ts: T0 + 30_000, playhead: 20, seq: 4 },
    ];
    const pauseArrivedFirst = metricsOf(
      [
        ...base,
        { eventType: 'pauseStart', ts: at20, playhead: 20, seq: 2 },
        { eventType: 'play', ts: at20, playhead: 20, seq: 3 },
      ],
      600,
    );
    const playArrivedFirst = metricsOf(
      [
        ...base,
        { eventType: 'pauseStart', ts: at20, playhead: 20, seq: 3 },
        { eventType: 'play', ts: at20, playhead: 20, seq: 2 },
      ],
      600,
    );
    // either way the order is play@20, pauseStart@20 (play ranks before pauseStart):
    // content @0→@20 = 20 s, then paused @20→@30 = 10 s, one entry
    expect(pauseArrivedFirst.contentTimeSpent).toBe(20);
    expect(pauseArrivedFirst.pause).toEqual({ count: 1, duration: 10 });
    expect(playArrivedFirst).toEqual(pauseArrivedFirst);
  });

  it('C5: events of one precedence at one ts keep their arrival order (seq)', () => {
    // two pings @10, listed against their arrival: 1 Mb/s arrived (seq 2) before 2 Mb/s (seq 3)
    const m = metricsOf(
      [
        { eventType: 'play', ts: T0, playhead: 0, seq: 1 },
        {
          eventType: 'ping',
          ts: T0 + 10_000,
          playhead: 10,
          seq: 3,
          qoeData: { 'media.qoe.bitrate': 2_000_000, 'media.qoe.droppedFrames': 7 },
        },
        {
          eventType: 'ping',
          ts: T0 + 10_000,
          playhead: 10,
          seq: 2,
          qoeData: { 'media.qoe.bitrate': 1_000_000, 'media.qoe.droppedFrames': 3 },
        },
        { eventType: 'ping', ts: T0 + 20_000, playhead: 20, seq: 4 },
      ],
      600,
    );
    // in arrival order the 2 Mb/s comes last @10 and holds @10→@20, the only playing time with
    // a bitrate: average 2,000,000; droppedFrames is the last value, 7
    expect(m.bitrate).toEqual({ average: 2_000_000, changes: 0 });
    expect(m.droppedFrames).toBe(7);
  });
});

describe('C5 live sessions', () => {
  it('C5: a live session uses seconds of the day as playheads against media.length 86400', () => {
    // starts at 20:00:00 = 72000 s of the day
    const m = metricsOf(
      timeline()
        .sessionStart(0, 72_000)
        .play(1, 72_000)
        .pings(11, 61, 10, (at) => 72_000 + at - 1)
        .bufferStart(65, 72_064)
        .play(70, 72_064)
        .ping(80, 72_074)
        .sessionEnd(80, 72_074),
      86_400,
    );
    // content: play@1 → bufferStart@65 = 64 s; play@70 → ping@80 = 10 s: 74 s; buffer 5 s
    expect(m.contentTimeSpent).toBe(74);
    expect(m.buffer).toEqual({ count: 1, duration: 5 });
    // ranges [72000,72064] and [72064,72074]: 74 s
    expect(m.uniqueTimePlayed).toBe(74);
    // highest playhead 72074 of 86400: p10 8640, p25 21600, p50 43200, p75 64800 reached,
    // p95 82080 not (C5 applies the markers to the seconds of the day as written)
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: false });
    // averageMinuteAudience = 74 / 86400
    expect(m.averageMinuteAudience).toBe(74 / 86_400);
    expect(m.estimatedStreams).toBe(1);
  });

  it('C5: across midnight the playhead wraps to 0; the backward step covers nothing', () => {
    // 23:59:30 = 86370
    const m = metricsOf(
      timeline()
        .play(0, 86_370)
        .ping(10, 86_380)
        .ping(20, 86_390)
        .ping(30, 0)
        .ping(40, 10)
        .ping(50, 20),
      86_400,
    );
    // content: play@0 → ping@50 = 50 s
    expect(m.contentTimeSpent).toBe(50);
    // [86370,86390] = 20 s; 86390 → 0 did not move forward: nothing; [0,20] = 20 s: 40 s
    expect(m.uniqueTimePlayed).toBe(40);
    // highest playhead 86390 >= 82080: every marker
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: true });
  });
});

describe('C5 session flags', () => {
  it('C5: a closed session with a main-content play started, and completed with sessionComplete', () => {
    const m = metricsOf(
      timeline().play(0, 0).ping(10, 10).sessionComplete(20, 20).sessionEnd(20, 20),
      20,
    );
    expect(m.contentStarted).toBe(true);
    expect(m.contentCompleted).toBe(true);
    expect(m.dropBeforeStart).toBe(false);
  });

  it('C5: pings after sessionComplete still count (it does not close the session, C4)', () => {
    const m = metricsOf(timeline().play(0, 0).sessionComplete(20, 20).ping(30, 20), 20, false);
    // sessionComplete keeps the state: play@0 → ping@30 = 30 s of content
    expect(m.contentTimeSpent).toBe(30);
    expect(m.contentCompleted).toBe(true);
  });

  it('C5 (revised): contentComplete completes the content like sessionComplete; later events count', () => {
    const m = metricsOf(
      timeline().play(0, 0).ping(10, 10).contentComplete(20, 20).ping(30, 20),
      20,
      false,
    );
    expect(m.contentCompleted).toBe(true);
    // contentComplete keeps the state: play@0 → ping@30 = 30 s of content
    expect(m.contentTimeSpent).toBe(30);
  });

  it('C5: without sessionComplete or contentComplete the content is not completed', () => {
    const m = metricsOf(timeline().play(0, 0).ping(10, 10).sessionEnd(20, 20), 20);
    expect(m.contentCompleted).toBe(false);
  });

  it('C5: a closed session without a main-content play dropped before start', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0)
        .adBreakStart(0, 0)
        .adStart(0, 0, 'pre', 30)
        .play(0, 0)
        .pings(1, 9, 1, () => 0),
      600,
      true,
    );
    // the only play is inside the break: contentStarted false; closed: dropBeforeStart
    expect(m.contentStarted).toBe(false);
    expect(m.dropBeforeStart).toBe(true);
    expect(m.contentCompleted).toBe(false);
    // ad time play@0 → ping@9 = 9 s
    expect(m.adTimeSpent).toBe(9);
  });

  it('C5: an open session without a play has not dropped (yet)', () => {
    const m = metricsOf(timeline().sessionStart(0, 0).ping(10, 0), 600, false);
    expect(m.contentStarted).toBe(false);
    expect(m.dropBeforeStart).toBe(false);
  });

  it('C5: a media.length so small that the ratio overflows gives averageMinuteAudience 0, never Infinity', () => {
    const m = metricsOf(timeline().play(0, 0).ping(10, 10), 5e-324);
    expect(m.contentTimeSpent).toBe(10);
    expect(m.averageMinuteAudience).toBe(0);
  });

  it('C5: averageMinuteAudience = contentTimeSpent / media.length, re-watching included', () => {
    // the re-watch's play comes a second after the ping@60: at one ts a play ranks before a ping
    const m = metricsOf(
      timeline().play(0, 0).ping(30, 30).ping(60, 60).play(61, 0).ping(90, 29),
      60,
    );
    // content play@0 → ping@90 = 90 s; 90 / 60 = 1.5
    expect(m.contentTimeSpent).toBe(90);
    expect(m.averageMinuteAudience).toBe(1.5);
    // [0,30] [30,60]; 60 → 0 is back (nothing); [0,29] again adds nothing: 60 s
    expect(m.uniqueTimePlayed).toBe(60);
  });

  it.each([
    [1799.999, 1], // floor(0.99999…) + 1
    [1800, 2], // exactly 1800 s: floor(1) + 1
    [3599.999, 2],
    [3600, 3],
  ])('C5: estimatedStreams for %s s of media time is %s', (secondsPlayed, streams) => {
    // a ping every 100 s keeps each interval under the 600 s cap
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .pings(100, secondsPlayed - 1, 100, (at) => at)
        .ping(secondsPlayed, secondsPlayed),
      7200,
    );
    // play@0 → ping@secondsPlayed: mediaTimeSpent = secondsPlayed, nothing capped
    expect(m.mediaTimeSpent).toBe(secondsPlayed);
    expect(m.estimatedStreams).toBe(streams);
    expect(m.clamped).toBe(0);
  });

  it('C5: estimatedStreams counts ad time too (1000.1 s content + 799.9 s ads = 1800 s → 2)', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .ping(500, 500) // pings keep every interval under the 600 s cap
        .adBreakStart(1000.1, 1000.1)
        .adStart(1000.1, 1000.1, 'long', 800)
        .ping(1400, 1000.1)
        .adComplete(1800, 1000.1)
        .adBreakComplete(1800, 1000.1),
      7200,
    );
    // content @0→@500→@1000.1 = 1000.1 s; ad @1000.1→@1400→@1800 = 399.9 + 400 = 799.9 s
    expect(m.contentTimeSpent).toBe(1000.1);
    expect(m.adTimeSpent).toBe(799.9);
    expect(m.mediaTimeSpent).toBe(1800);
    expect(m.estimatedStreams).toBe(2);
  });

  it('C5: nothing is counted past the last event', () => {
    const m = metricsOf(
      timeline().play(0, 0).stateStart(0, 0, 'mute').ping(10, 10).pauseStart(20, 20),
      600,
      false,
    );
    // content play@0 → pauseStart@20 = 20 s; the pause has begun but lasted 0 s so far
    expect(m.contentTimeSpent).toBe(20);
    expect(m.pause).toEqual({ count: 1, duration: 0 });
    // mute unended: to the last event @20
    expect(m.states.mute).toEqual({ count: 1, time: 20 });
  });
});

describe('C5 a session with only its sessionStart', () => {
  const empty = {
    contentStarted: false,
    contentCompleted: false,
    contentTimeSpent: 0,
    adTimeSpent: 0,
    mediaTimeSpent: 0,
    uniqueTimePlayed: 0,
    pause: { count: 0, duration: 0 },
    buffer: { count: 0, duration: 0 },
    stall: { count: 0, duration: 0 },
    progress: { p10: false, p25: false, p50: false, p75: false, p95: false },
    averageMinuteAudience: 0,
    estimatedStreams: 1, // floor(0 / 1800) + 1
    bitrate: { average: null, changes: 0 },
    timeToStart: null,
    droppedFrames: null,
    errors: { count: 0, playerIds: [], externalIds: [] },
    ads: { breaks: 0, starts: 0, completes: 0, timeSpent: 0 },
    chapters: { starts: 0, completes: 0, timeSpent: 0 },
    states: {},
    clamped: 0,
  };

  it('C5: open: every count and time is zero and nothing dropped yet', () => {
    const m = metricsOf(timeline().sessionStart(0, 0), 600, false);
    expect(m).toEqual({ ...empty, dropBeforeStart: false });
  });

  it('C5: closed: the same, and it dropped before start', () => {
    const m = metricsOf(timeline().sessionStart(0, 0), 600, true);
    expect(m).toEqual({ ...empty, dropBeforeStart: true });
  });
});
