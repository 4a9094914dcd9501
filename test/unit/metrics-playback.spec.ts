import { describe, expect, it } from 'vitest';
import { metricsOf, timeline } from '../support/timeline.js';

// Times in comments are seconds after the session's first event ("@30" = 30 s); "ph" is the
// playhead. Every expected value is worked from contract C5: the time between two events belongs
// to the state in force after the first of them, and nothing counts past the last event.

describe('C5 content time, pauses and buffering', () => {
  const session = () =>
    timeline()
      .sessionStart(0, 0)
      .bufferStart(1, 0)
      .play(3, 0)
      .ping(13, 10)
      .pauseStart(33, 30)
      .ping(43, 30)
      .ping(53, 30)
      .play(63, 30)
      .ping(73, 40)
      .bufferStart(80, 47)
      .ping(90, 47)
      .play(95, 47)
      .ping(105, 57)
      .pauseStart(110, 62)
      .pauseStart(115, 62)
      .play(120, 62)
      .sessionEnd(125, 67);

  it('C5: contentTimeSpent is the time playing main content, pauses and buffering excluded', () => {
    const m = metricsOf(session(), 600);
    // @0→@1 starting (nothing); @1→@3 buffering.
    // content: play@3 → pauseStart@33 = 30 s; play@63 → bufferStart@80 = 17 s;
    //          play@95 → pauseStart@110 = 15 s; play@120 → sessionEnd@125 = 5 s; total 67 s
    expect(m.contentTimeSpent).toBe(67);
    // no ad: adTimeSpent 0, mediaTimeSpent = 67 + 0
    expect(m.adTimeSpent).toBe(0);
    expect(m.mediaTimeSpent).toBe(67);
  });

  it('C5: pause.count counts entries into paused; pings and a repeated pauseStart do not add', () => {
    const m = metricsOf(session(), 600);
    // entries: pauseStart@33 (from playing), pauseStart@110 (from playing); pauseStart@115 is
    // already paused and the pings @43, @53 keep the state: count 2.
    // duration: @33→@63 = 30 s (three intervals of 10 s, pings inside) + @110→@120 = 10 s = 40 s
    expect(m.pause).toEqual({ count: 2, duration: 40 });
  });

  it('C5: buffer.count counts entries into buffering, before the first play too', () => {
    const m = metricsOf(session(), 600);
    // entries: bufferStart@1 (from starting), bufferStart@80 (from playing): count 2.
    // duration: @1→@3 = 2 s; @80→@95 = 15 s (the ping @90 keeps buffering); total 17 s
    expect(m.buffer).toEqual({ count: 2, duration: 17 });
  });

  it('C5: uniqueTimePlayed joins the playhead ranges covered while playing', () => {
    const m = metricsOf(session(), 600);
    // playing ranges: [0,10] [10,30] [30,40] [40,47] [47,57] [57,62] [62,67], each moved no
    // more than its wall time + 1 s; their union [0,67] = 67 s
    expect(m.uniqueTimePlayed).toBe(67);
    // no three events playing with one playhead (the repeated playheads are paused/buffering)
    expect(m.stall).toEqual({ count: 0, duration: 0 });
  });

  it('C5: many pings during one pause are one pause', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .pauseStart(5, 5)
        .pings(15, 65, 10, () => 5)
        .play(70, 5)
        .ping(80, 15),
      600,
    );
    // pauseStart@5 → play@70 = 65 s paused, six pings inside add no entry: count 1
    expect(m.pause).toEqual({ count: 1, duration: 65 });
    // content: @0→@5 = 5 s + @70→@80 = 10 s = 15 s
    expect(m.contentTimeSpent).toBe(15);
  });
});

describe('C5 forward seek, re-watch and progress markers', () => {
  const session = () =>
    timeline()
      .play(0, 0)
      .ping(10, 10)
      .ping(20, 20)
      .ping(25, 80) // +60 in 5 s: a seek
      .ping(35, 90)
      .ping(40, 5) // back: a seek
      .ping(50, 15)
      .ping(55, 21); // +6 in 5 s: exactly wall time + 1 s, still covered

  it('C5: a forward seek sets every progress marker it passes, from the highest playhead', () => {
    const m = metricsOf(session(), 100);
    // highest main-content playhead 90 of 100: p10 (10), p25 (25), p50 (50), p75 (75) reached;
    // p95 (95) not; the seek back to 5 takes nothing away
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: false });
  });

  it('C5: a seek covers nothing and re-watching adds nothing to uniqueTimePlayed', () => {
    const m = metricsOf(session(), 100);
    // [0,10] [10,20]; 20→80 moved 60 > 5 + 1: nothing; [80,90]; 90→5 backwards: nothing;
    // [5,15] already covered; [15,21] moved 6 <= 5 + 1: adds 20→21.
    // union [0,21] ∪ [80,90] = 21 + 10 = 31 s
    expect(m.uniqueTimePlayed).toBe(31);
    // contentTimeSpent still counts all the wall time playing: play@0 → ping@55 = 55 s
    expect(m.contentTimeSpent).toBe(55);
  });

  it('C5: a playhead move of just over wall time + 1 s is a seek', () => {
    const m = metricsOf(timeline().play(0, 0).ping(10, 11).ping(20, 22.001), 100);
    // 0→11 in 10 s: 11 <= 11, covered; 11→22.001 in 10 s: 11.001 > 11, a seek: total 11 s
    expect(m.uniqueTimePlayed).toBe(11);
    // the seek still raises the highest playhead: 22.001 reaches p10 (10), not p25 (25)
    expect(m.progress).toEqual({ p10: true, p25: false, p50: false, p75: false, p95: false });
  });

  it('C5: progress needs main content; playheads seen inside a break do not count', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .ping(10, 10)
        .adBreakStart(12, 60)
        .adStart(12, 60)
        .ping(13, 60)
        .adComplete(20, 60)
        .adBreakComplete(20, 60),
      100,
    );
    // main-content playheads: 0, 10 (adBreakStart … adBreakComplete are in the break): p10 only
    expect(m.progress).toEqual({ p10: true, p25: false, p50: false, p75: false, p95: false });
  });

  it('C5: a playhead exactly at a share of media.length reaches that marker', () => {
    // media.length 12, highest playhead 1.2 = exactly 10 % of 12: p10 reached
    const m = metricsOf(timeline().play(0, 0).ping(1.2, 1.2), 12);
    expect(m.progress?.p10).toBe(true);
  });

  it('C5: a playhead exactly at 95 % of media.length reaches p95', () => {
    // media.length 20, playhead 19 = exactly 95 %: every marker reached
    const m = metricsOf(timeline().play(0, 0).ping(19, 19), 20);
    expect(m.progress).toEqual({ p10: true, p25: true, p50: true, p75: true, p95: true });
  });
});

// C5: "three or more consecutive events while playing main content with an unchanged playhead
// form one stall, lasting from the first of them to the next event whose playhead moved". The
// events sharing the held playhead are the run: the first of them is the event that reached it.
describe('C5 stalls', () => {
  it('C5: three consecutive events playing main content at one playhead are one stall', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .ping(10, 10)
        .ping(20, 12)
        .ping(30, 12)
        .ping(40, 12)
        .ping(50, 20)
        .ping(60, 30),
      600,
    );
    // ping@20, ping@30, ping@40 are three consecutive events playing main content with the
    // playhead unchanged at 12: one stall, from the first of them (@20) to the next event whose
    // playhead moved (ping@50): 30 s
    expect(m.stall).toEqual({ count: 1, duration: 30 });
    // a stall is still playing: content play@0 → ping@60 = 60 s
    expect(m.contentTimeSpent).toBe(60);
  });

  it('C5: a longer stall lasts from its first event to the event whose playhead moved', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .ping(10, 10)
        .ping(20, 12)
        .ping(30, 12)
        .ping(40, 12)
        .ping(50, 12)
        .ping(60, 20),
      600,
    );
    // four events at 12 (@20 … @50), one run: count 1, from @20 to ping@60 (moved) = 40 s
    expect(m.stall).toEqual({ count: 1, duration: 40 });
  });

  it('C5: a stall still running at the last event ends there', () => {
    const m = metricsOf(
      timeline().play(0, 0).ping(10, 10).ping(20, 12).ping(30, 12).ping(40, 12),
      600,
      false,
    );
    // @20, @30, @40 at 12: one stall; nothing counts past the last event (@40): 20 s
    expect(m.stall).toEqual({ count: 1, duration: 20 });
  });

  it('C5: two events at one playhead are no stall', () => {
    const m = metricsOf(timeline().play(0, 0).ping(10, 10).ping(20, 10).ping(30, 20), 600);
    // ping@10 and ping@20 share 10, then ping@30 moved: only two events
    expect(m.stall).toEqual({ count: 0, duration: 0 });
  });

  it('C5: events in a break or while paused never form a stall', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .ping(5, 5)
        .adBreakStart(5, 5)
        .adStart(5, 5)
        .pings(6, 14, 1, () => 5) // 1 s ad pings, playhead held at 5
        .adComplete(15, 5)
        .adBreakComplete(15, 5)
        .ping(25, 15)
        .pauseStart(26, 16)
        .pings(36, 66, 10, () => 16) // pings while paused, playhead held at 16
        .play(70, 16)
        .ping(80, 26),
      600,
    );
    // the ad pings are in the break; the pause pings are paused, not playing: no stall
    expect(m.stall).toEqual({ count: 0, duration: 0 });
  });
});
