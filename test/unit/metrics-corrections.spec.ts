import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INTERVAL_SECONDS } from '../../src/media/metrics/session-metrics.js';
import { metricsOf, timeline } from '../support/timeline.js';

// "@7210" = 7210 s after the session's first event; "ph" is the playhead. C5 (revised): one
// interval counts at most maxIntervalSeconds (600 by default); on content of known length the
// playhead-based figures never exceed media.length; `clamped` counts each capped interval and
// each event whose playhead was above the length. Values worked from C5.

describe('C5 (revised) the interval cap', () => {
  it('C5: the default cap is 600 s', () => {
    expect(DEFAULT_MAX_INTERVAL_SECONDS).toBe(600);
  });

  it('C5: a 2-hour gap while playing counts 600 s and clamped 1', () => {
    const m = metricsOf(timeline().play(0, 0).ping(10, 10).ping(7210, 20).ping(7220, 30), 3600);
    // content: @0→@10 = 10 s; @10→@7210 = 7200 s capped to 600 s; @7210→@7220 = 10 s: 620 s
    expect(m.contentTimeSpent).toBe(620);
    expect(m.mediaTimeSpent).toBe(620);
    expect(m.clamped).toBe(1);
    // 620 / 3600
    expect(m.averageMinuteAudience).toBe(620 / 3600);
    // [0,10]; 10→20 moved 10 <= 600 + 1: [10,20]; [20,30]: 30 s
    expect(m.uniqueTimePlayed).toBe(30);
  });

  it('C5: content, chapter, state time and bitrate weighting are all capped; exactly 600 s is not', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0, { 'media.qoe.bitrate': 1_000_000 })
        .play(0, 0)
        .chapterStart(0, 0, 1, 3600)
        .stateStart(0, 0, 'mute')
        .ping(7200, 10) // 7200 s after play: capped to 600 s
        .bitrateChange(7200, 10, 3_000_000)
        .ping(7800, 610), // exactly 600 s: not capped
      3600,
    );
    // content and chapter: 600 + 600 = 1200 s; mute (never ended) runs to the last event: 1200 s
    expect(m.contentTimeSpent).toBe(1200);
    expect(m.chapters).toEqual({ starts: 1, completes: 0, timeSpent: 1200 });
    expect(m.states.mute).toEqual({ count: 1, time: 1200 });
    // (1 Mb/s · 600 s + 3 Mb/s · 600 s) / 1200 s = 2,000,000 (uncapped: 9000M / 7800 ≈ 1.15M)
    expect(m.bitrate).toEqual({ average: 2_000_000, changes: 1 });
    // [0,10] (10 <= 601), [10,610] (600 <= 601): 610 s
    expect(m.uniqueTimePlayed).toBe(610);
    // one capped interval; 600 s is the cap itself
    expect(m.clamped).toBe(1);
  });

  it('C5: ad, pause and buffer time are capped; each capped interval adds 1', () => {
    const m = metricsOf(
      timeline()
        .adBreakStart(0, 0)
        .adStart(0, 0, 'A', 30)
        .play(0, 0)
        .adComplete(3600, 0) // 1 h in the ad: 600 s
        .adBreakComplete(3600, 0)
        .pauseStart(3610, 10)
        .play(10_810, 10) // 2 h paused: 600 s
        .bufferStart(10_820, 20)
        .play(18_020, 20) // 2 h buffering: 600 s
        .ping(18_030, 30),
      3600,
    );
    expect(m.adTimeSpent).toBe(600);
    expect(m.ads).toEqual({ breaks: 1, starts: 1, completes: 1, timeSpent: 600 });
    expect(m.pause).toEqual({ count: 1, duration: 600 });
    expect(m.buffer).toEqual({ count: 1, duration: 600 });
    // content: @3600→@3610, @10810→@10820, @18020→@18030 = 30 s; media 600 + 30
    expect(m.contentTimeSpent).toBe(30);
    expect(m.mediaTimeSpent).toBe(630);
    expect(m.clamped).toBe(3);
  });

  it('C5: a stall lasts the capped intervals it spans', () => {
    const m = metricsOf(
      timeline().play(0, 0).ping(10, 10).ping(20, 10).ping(7220, 10).ping(7230, 20),
      3600,
    );
    // ping@10, ping@20, ping@7220 hold ph 10: one stall, from @10 to ping@7230 (moved):
    // 10 s + 600 s (of 7200) + 10 s = 620 s
    expect(m.stall).toEqual({ count: 1, duration: 620 });
    // content 10 + 10 + 600 + 10 = 630 s
    expect(m.contentTimeSpent).toBe(630);
    expect(m.clamped).toBe(1);
  });

  it('C5: a long gap before the first play counts nothing but is still clamped', () => {
    const m = metricsOf(timeline().sessionStart(0, 0).play(3600, 0).ping(3610, 10), 3600);
    // @0→@3600 is starting (counted nowhere), capped all the same; content @3600→@3610 = 10 s
    expect(m.contentTimeSpent).toBe(10);
    expect(m.clamped).toBe(1);
  });

  it('C5: the cap is the input maxIntervalSeconds (here 30 s)', () => {
    const m = metricsOf(timeline().play(0, 0).ping(60, 60).ping(70, 70), 600, true, 30);
    // @0→@60 counts 30 s, @60→@70 10 s: 40 s of content, one capped interval
    expect(m.contentTimeSpent).toBe(40);
    expect(m.clamped).toBe(1);
    // 0→60 moved 60 > 30 + 1 (the capped interval): a seek; [60,70]: 10 s
    expect(m.uniqueTimePlayed).toBe(10);
  });

  it('C5: a playhead jump longer than the capped interval + 1 s is a seek', () => {
    const m = metricsOf(timeline().play(0, 0).ping(7200, 7000).ping(7210, 7010), 10_000);
    // 0→7000 in 7200 s of wall time, but the interval counts 600 s: 7000 > 601, a seek.
    // [7000,7010] = 10 s; content 600 + 10 = 610 s
    expect(m.uniqueTimePlayed).toBe(10);
    expect(m.contentTimeSpent).toBe(610);
    expect(m.clamped).toBe(1);
  });
});

describe('C5 (revised) playheads beyond media.length', () => {
  it('C5: a playhead beyond media.length clamps progress and uniqueTimePlayed', () => {
    const m = metricsOf(timeline().play(0, 90).ping(10, 100).ping(20, 110).ping(30, 120), 100);
    // [90,100]; 100→110 and 110→120 are played, but clamped to [100,100]: nothing. 10 s
    // (unclamped it would be 30 s)
    expect(m.uniqueTimePlayed).toBe(10);
    // the highest playhead counts as 100: every marker
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: true });
    // ping@20 (110) and ping@30 (120) were above 100; ph 100 itself is not
    expect(m.clamped).toBe(2);
    // time is not playhead-based: content @0→@30 = 30 s, 30 / 100 = 0.3
    expect(m.contentTimeSpent).toBe(30);
    expect(m.averageMinuteAudience).toBe(0.3);
  });

  it('C5: a seek past the end is judged on the playheads as sent, then clamped', () => {
    const m = metricsOf(timeline().play(0, 90).ping(10, 95).ping(20, 500).ping(30, 510), 100);
    // [90,95]; 95→500 moved 405 > 10 + 1: a seek (clamped it would look like 5 s played);
    // 500→510 clamps to [100,100]: nothing. 5 s
    expect(m.uniqueTimePlayed).toBe(5);
    expect(m.clamped).toBe(2);
  });

  it('C5: every event above the length counts, in a break too', () => {
    const m = metricsOf(
      timeline()
        .play(0, 95)
        .ping(5, 100)
        .adBreakStart(5, 101)
        .adStart(5, 101, 'post', 5)
        .ping(6, 101)
        .adComplete(10, 101)
        .adBreakComplete(10, 101),
      100,
    );
    // the five break events (adBreakStart, adStart, ping@6, adComplete, adBreakComplete) hold
    // ph 101 > 100; ping@5 at 100 is not above it
    expect(m.clamped).toBe(5);
    // [95,100] = 5 s; ad @5→@10 = 5 s
    expect(m.uniqueTimePlayed).toBe(5);
    expect(m.adTimeSpent).toBe(5);
  });

  it('C5: with media.length 0 (unknown) averageMinuteAudience and progress are null, unique time is unclamped', () => {
    const m = metricsOf(timeline().play(0, 7000).ping(10, 7010).ping(20, 7020), 0);
    expect(m.averageMinuteAudience).toBeNull();
    expect(m.progress).toBeNull();
    // [7000,7010] [7010,7020] = 20 s, no length to clamp to; nothing clamped
    expect(m.uniqueTimePlayed).toBe(20);
    expect(m.clamped).toBe(0);
    // the times are there as ever: 20 s of content, floor(20 / 1800) + 1 = 1 stream
    expect(m.contentTimeSpent).toBe(20);
    expect(m.estimatedStreams).toBe(1);
  });
});
