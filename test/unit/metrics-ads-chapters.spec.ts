import { describe, expect, it } from 'vitest';
import { metricsOf, timeline } from '../support/timeline.js';

// "@12.5" = 12.5 s after the session's first event; "ph" is the playhead. Values are worked
// from contract C5 (intervals belong to the state after their first event; a break is
// adBreakStart … adBreakComplete, an ad adStart … adComplete/adSkip inside a break).

describe('C5 ad breaks and ads', () => {
  const session = () =>
    timeline()
      .sessionStart(0, 0)
      // pre-roll: ad A completes, ad B is skipped
      .adBreakStart(0.5, 0, 0)
      .adStart(1, 0, 'A', 5, 1)
      .play(1.5, 0) // play inside the ad: playing, but not a content start
      .pings(2.5, 5.5, 1, () => 0)
      .adComplete(6.5, 0)
      .ping(7, 0) // between two ads
      .adStart(8, 0, 'B', 10, 2)
      .ping(9, 0)
      .ping(10, 0)
      .adSkip(11, 0)
      .adBreakComplete(12, 0)
      .play(12, 0) // same ts, arrived after adBreakComplete
      .ping(22.5, 10)
      .ping(32.5, 20)
      // mid-roll at 22.5: ad C completes, ad D is skipped
      .adBreakStart(35, 22.5, 1)
      .adStart(35.2, 22.5, 'C', 10, 1)
      .ping(40, 22.5)
      .adComplete(45.2, 22.5)
      .adStart(45.5, 22.5, 'D', 15, 2)
      .adSkip(47.5, 22.5)
      .adBreakComplete(48, 22.5)
      .ping(58, 32.5)
      .sessionEnd(60, 34.5);

  it('C5: ads.timeSpent is the time playing inside an ad; skips are not completes', () => {
    const m = metricsOf(session(), 300);
    // before play@1.5 the state is starting: nothing.
    // ad A: play@1.5 → adComplete@6.5 = 5 s; ad B: adStart@8 → adSkip@11 = 3 s;
    // ad C: adStart@35.2 → adComplete@45.2 = 10 s; ad D: adStart@45.5 → adSkip@47.5 = 2 s
    // total 5 + 3 + 10 + 2 = 20 s
    expect(m.adTimeSpent).toBe(20);
    // breaks: adBreakStart@0.5, @35 = 2; starts A B C D = 4; completes A, C = 2 (B, D skipped)
    expect(m.ads).toEqual({ breaks: 2, starts: 4, completes: 2, timeSpent: 20 });
  });

  it('C5: time in a break between ads is neither content nor ad time', () => {
    const m = metricsOf(session(), 300);
    // in the break with no ad: @6.5→@8 (1.5 s), @11→@12 (1 s), @35→@35.2 (0.2 s),
    // @45.2→@45.5 (0.3 s), @47.5→@48 (0.5 s): counted nowhere.
    // content: play@12 → adBreakStart@35 = 23 s; adBreakComplete@48 → sessionEnd@60 = 12 s
    // (still playing after the break): total 35 s
    expect(m.contentTimeSpent).toBe(35);
    // media = content 35 + ads 20 = 55 s
    expect(m.mediaTimeSpent).toBe(55);
  });

  it('C5: a play inside a break is no content start; the play after it is', () => {
    const m = metricsOf(session(), 300);
    // play@1.5 is in the pre-roll break; play@12 (after adBreakComplete@12) is main content
    expect(m.contentStarted).toBe(true);
    expect(m.dropBeforeStart).toBe(false);
  });

  it('C5: break events count for neither progress, unique time nor stalls', () => {
    const m = metricsOf(session(), 300);
    // main ranges: [0,10] [10,20] [20,22.5] (play@12…adBreakStart@35) and [22.5,32.5]
    // [32.5,34.5] after the mid-roll: union [0,34.5] = 34.5 s
    expect(m.uniqueTimePlayed).toBe(34.5);
    // the held playheads in both breaks (0 and 22.5) are break events: no stall
    expect(m.stall).toEqual({ count: 0, duration: 0 });
    // highest main playhead 34.5 of 300: p10 (30) only
    expect(m.progress).toEqual({ p10: true, p25: false, p50: false, p75: false, p95: false });
  });

  it('C5: an adStart/adComplete outside a break is ignored and its time is content', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .ping(10, 10)
        .adStart(12, 12, 'orphan', 8)
        .ping(17, 17)
        .adComplete(20, 20)
        .ping(30, 30),
      100,
    );
    // no adBreakStart: the ad is ignored; play@0 → ping@30 is all content = 30 s
    expect(m.contentTimeSpent).toBe(30);
    expect(m.adTimeSpent).toBe(0);
    expect(m.ads).toEqual({ breaks: 0, starts: 0, completes: 0, timeSpent: 0 });
    expect(m.mediaTimeSpent).toBe(30);
  });

  it('C5: an ad is timed only while playing (a pause in an ad is pause time)', () => {
    const m = metricsOf(
      timeline()
        .adBreakStart(0, 0)
        .adStart(0, 0, 'A', 10)
        .play(0, 0)
        .ping(1, 0)
        .pauseStart(3, 0)
        .ping(4, 0)
        .play(6, 0)
        .adComplete(13, 0)
        .adBreakComplete(13, 0),
      100,
    );
    // ad: @0→@3 = 3 s + play@6 → adComplete@13 = 7 s = 10 s; pause @3→@6 = 3 s, one entry
    expect(m.adTimeSpent).toBe(10);
    expect(m.pause).toEqual({ count: 1, duration: 3 });
    // every play is in the break: no content start, no content time
    expect(m.contentStarted).toBe(false);
    expect(m.contentTimeSpent).toBe(0);
  });
});

describe('C5 chapters', () => {
  const session = () =>
    timeline()
      .sessionStart(0, 0)
      .play(0, 0)
      .chapterStart(0, 0, 1, 30)
      .ping(10, 10)
      .pauseStart(15, 15)
      .play(20, 15)
      .ping(30, 25)
      .chapterComplete(35, 30)
      .ping(40, 35)
      .chapterStart(41, 36, 2, 40)
      .ping(51, 46)
      .chapterSkip(53, 48)
      .ping(55, 80) // the seek past chapter 2's end
      .chapterStart(55, 80, 3, 40)
      .adBreakStart(60, 85, 1)
      .adStart(60, 85, 'mid', 10)
      .adComplete(70, 85)
      .adBreakComplete(70, 85)
      .ping(80, 95)
      .chapterComplete(85, 100)
      .sessionEnd(85, 100);

  it('C5: chapters.timeSpent is the time playing main content inside a chapter', () => {
    const m = metricsOf(session(), 120);
    // chapter 1: @0→@15 = 15 s playing, @15→@20 paused (not counted), @20→@35 = 15 s: 30 s
    // between chapters: @35→@41 = 6 s (content, no chapter)
    // chapter 2: @41→chapterSkip@53 = 12 s; then @53→@55 no chapter (2 s)
    // chapter 3: @55→@60 = 5 s; the break @60→@70 is not main content; @70→@85 = 15 s: 20 s
    // total 30 + 12 + 20 = 62 s
    expect(m.chapters.timeSpent).toBe(62);
    // starts 3; completes: chapter 1 and 3 (chapter 2 was skipped) = 2
    expect(m.chapters).toEqual({ starts: 3, completes: 2, timeSpent: 62 });
  });

  it('C5: content time holds chapter time, the time outside chapters, not the break', () => {
    const m = metricsOf(session(), 120);
    // content = chapters 62 + outside 6 + 2 = 70 s (= @0→@15 + @20→@60 + @70→@85)
    expect(m.contentTimeSpent).toBe(70);
    // the mid-roll ad: adStart@60 → adComplete@70 = 10 s
    expect(m.ads).toEqual({ breaks: 1, starts: 1, completes: 1, timeSpent: 10 });
  });
});
