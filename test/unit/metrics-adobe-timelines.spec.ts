import { describe, expect, it } from 'vitest';
import { metricsOf, timeline } from '../support/timeline.js';

// Adobe's documented session shapes (reference-mca.md sections 2 and 4): a ping every 10 s of
// content and every 1 s in ads, pings while paused, the pre-roll before the content's play,
// sessionComplete then sessionEnd, and the back end's timeouts. "@46" = 46 s after
// sessionStart; "ph" the playhead. Every value is worked from the C5 rules.

describe('Adobe timeline: VOD with a pre-roll, buffering, a mid-roll and a pause', () => {
  // Shaped on Adobe's "Timeline 1" (two pre-roll ads of 15 s and 7 s, a 3 s buffer at 11, an
  // 8 s mid-roll at 21, a 10 s pause at 31, watched to the end at 45), with the pre-roll's play
  // sent after adStart as section 2 asks, and a 45 s video so the end is the end.
  const session = () =>
    timeline()
      .sessionStart(0, 0)
      .adBreakStart(0, 0, 0)
      .adStart(0, 0, '001', 15, 1)
      .play(0, 0)
      .pings(1, 14, 1, () => 0)
      .adComplete(15, 0)
      .adStart(15, 0, '002', 7, 2)
      .pings(16, 21, 1, () => 0)
      .adComplete(22, 0)
      .adBreakComplete(22, 0)
      .play(22, 0)
      .ping(32, 10)
      .bufferStart(33, 11)
      .play(36, 11)
      .ping(42, 17)
      .adBreakStart(46, 21, 1)
      .adStart(46, 21, '003', 8, 1)
      .pings(47, 53, 1, () => 21)
      .adComplete(54, 21)
      .adBreakComplete(54, 21)
      .ping(62, 29) // still playing after the break: no new play is needed
      .pauseStart(64, 31)
      .ping(72, 31)
      .play(74, 31)
      .ping(82, 39)
      .sessionComplete(88, 45)
      .sessionEnd(88, 45);

  it('times: content 45 s, ads 30 s, pause 10 s, buffer 3 s', () => {
    const m = metricsOf(session(), 45);
    // ads (playing since play@0): 001 @0→@15 = 15 s; 002 @15→@22 = 7 s; 003 @46→@54 = 8 s: 30 s
    // content: play@22 → bufferStart@33 = 11 s; play@36 → adBreakStart@46 = 10 s;
    //          adBreakComplete@54 → pauseStart@64 = 10 s; play@74 → sessionComplete@88 = 14 s: 45 s
    expect(m.adTimeSpent).toBe(30);
    expect(m.contentTimeSpent).toBe(45);
    expect(m.mediaTimeSpent).toBe(75);
    // pauseStart@64 → play@74 = 10 s (ping@72 inside adds no entry); bufferStart@33 → play@36
    expect(m.pause).toEqual({ count: 1, duration: 10 });
    expect(m.buffer).toEqual({ count: 1, duration: 3 });
    // the pings holding the playhead are in breaks or paused: no stall
    expect(m.stall).toEqual({ count: 0, duration: 0 });
  });

  it('ads, progress, flags and derived metrics', () => {
    const m = metricsOf(session(), 45);
    // two breaks, three ads started and completed
    expect(m.ads).toEqual({ breaks: 2, starts: 3, completes: 3, timeSpent: 30 });
    // ranges [0,10] [10,11] [11,17] [17,21] [21,29] [29,31] [31,39] [39,45]: 45 s
    expect(m.uniqueTimePlayed).toBe(45);
    // highest main playhead 45 of 45: every marker
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: true });
    // play@22 is main content (play@0 was in the pre-roll); sessionComplete arrived; closed
    expect(m.contentStarted).toBe(true);
    expect(m.contentCompleted).toBe(true);
    expect(m.dropBeforeStart).toBe(false);
    // 45 / 45 = 1; floor(75 / 1800) + 1 = 1
    expect(m.averageMinuteAudience).toBe(1);
    expect(m.estimatedStreams).toBe(1);
  });
});

describe('Adobe timeline: paused and pinging until the back end times the session out', () => {
  // No sessionComplete: the viewer pauses at 33 s and leaves the player pinging every 10 s;
  // after 30 min without playhead movement the service closes the session (C4 "stalled").
  const session = () =>
    timeline()
      .sessionStart(0, 0)
      .play(2, 0, { 'media.qoe.timeToStart': 2000 })
      .ping(12, 10)
      .ping(22, 20)
      .ping(32, 30)
      .pauseStart(35, 33)
      .pings(45, 1835, 10, () => 33); // 180 pings while paused

  it('the pause holds all the time after 35 s and nothing counts after the last ping', () => {
    const m = metricsOf(session(), 1200, true);
    // content play@2 → pauseStart@35 = 33 s; paused @35 → last ping @1835 = 1800 s, one entry
    expect(m.contentTimeSpent).toBe(33);
    expect(m.pause).toEqual({ count: 1, duration: 1800 });
    // [0,10] [10,20] [20,30] [30,33] = 33 s; paused pings are no stall
    expect(m.uniqueTimePlayed).toBe(33);
    expect(m.stall).toEqual({ count: 0, duration: 0 });
    // 2000 ms on the play
    expect(m.timeToStart).toBe(2);
  });

  it('a timeout is no content complete; the content had started', () => {
    const m = metricsOf(session(), 1200, true);
    expect(m.contentStarted).toBe(true);
    expect(m.contentCompleted).toBe(false);
    expect(m.dropBeforeStart).toBe(false);
    // highest playhead 33 < 120 (10 % of 1200): no marker
    expect(m.progress).toEqual({ p10: false, p25: false, p50: false, p75: false, p95: false });
    // 33 / 1200; floor(33 / 1800) + 1 = 1
    expect(m.averageMinuteAudience).toBe(33 / 1200);
    expect(m.estimatedStreams).toBe(1);
  });
});

describe('Adobe timeline: the viewer leaves during the pre-roll (idle timeout)', () => {
  it('a media start without a content start: dropBeforeStart, the ad time still counts', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0)
        .adBreakStart(0, 0, 0)
        .adStart(0, 0, '001', 30, 1)
        .play(0, 0)
        .pings(1, 12, 1, () => 0),
      600,
      true,
    );
    // ad: play@0 → last ping@12 = 12 s; never completed; no main-content play
    expect(m.ads).toEqual({ breaks: 1, starts: 1, completes: 0, timeSpent: 12 });
    expect(m.contentTimeSpent).toBe(0);
    expect(m.mediaTimeSpent).toBe(12);
    expect(m.contentStarted).toBe(false);
    expect(m.dropBeforeStart).toBe(true);
    expect(m.contentCompleted).toBe(false);
    expect(m.stall).toEqual({ count: 0, duration: 0 });
  });
});

describe('Adobe timeline 1 as published (no play before the pre-roll)', () => {
  // Adobe's "Timeline 1 - View to end of content" event for event: no play until after the
  // pre-roll break (Action 11 @22), a 10 s ping during the mid-roll, sessionComplete @88 and no
  // sessionEnd (the session closes later by timeout). media.length as in its sessionStart.
  const LENGTH = 60.3333333333333;
  const session = () =>
    timeline()
      .sessionStart(0, 0)
      .adBreakStart(0, 0, 0)
      .adStart(0, 0, '001', 15, 1)
      .pings(1, 14, 1, () => 0)
      .adComplete(15, 0)
      .adStart(15, 0, '002', 7, 1)
      .pings(16, 21, 1, () => 0)
      .adComplete(22, 0)
      .adBreakComplete(22, 0)
      .play(22, 0)
      .ping(30, 8)
      .bufferStart(33, 11)
      .play(36, 11)
      .ping(40, 15)
      .adBreakStart(46, 21, 1)
      .adStart(46, 21, '003', 8, 2)
      .ping(50, 21)
      .adComplete(54, 21)
      .adBreakComplete(54, 21)
      .ping(60, 27)
      .pauseStart(64, 31)
      .ping(70, 31)
      .play(74, 31)
      .ping(80, 37)
      .sessionComplete(88, 45);

  it('C5 counts the pre-roll as starting, not ad time (no play yet)', () => {
    const m = metricsOf(session(), LENGTH, true);
    // @0→@22 is before the first play: starting, counted nowhere (Adobe's page says the state
    // "remained playing", but C5 decides). Ad time: only 003, @46→@54 = 8 s
    expect(m.ads).toEqual({ breaks: 2, starts: 3, completes: 3, timeSpent: 8 });
    // content: @22→@33 = 11, @36→@46 = 10, @54→@64 = 10, @74→@88 = 14: 45 s
    expect(m.contentTimeSpent).toBe(45);
    expect(m.mediaTimeSpent).toBe(53);
    expect(m.buffer).toEqual({ count: 1, duration: 3 });
    expect(m.pause).toEqual({ count: 1, duration: 10 });
  });

  it('C5 progress against media.length 60.33: 45 s is short of 75 %', () => {
    const m = metricsOf(session(), LENGTH, true);
    // [0,8] [8,11] [11,15] [15,21] [21,27] [27,31] [31,37] [37,45] = 45 s
    expect(m.uniqueTimePlayed).toBe(45);
    // 45 >= 6.03, 15.08, 30.17; 45 < 45.25 (75 %) and 57.3 (95 %)
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: false, p95: false });
    expect(m.averageMinuteAudience).toBe(45 / LENGTH);
    expect(m.contentStarted).toBe(true);
    expect(m.contentCompleted).toBe(true);
    expect(m.dropBeforeStart).toBe(false);
  });
});
