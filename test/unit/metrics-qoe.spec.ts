import { describe, expect, it } from 'vitest';
import { MAX_PLAYER_STATES } from '../../src/media/metrics/session-metrics.js';
import { metricsOf, timeline } from '../support/timeline.js';

// "@20" = 20 s after the session's first event; "ph" is the playhead. Values worked from C5.

describe('C5 bitrate', () => {
  it('C5: bitrate.average is weighted by the playing time each value was in force', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0, { 'media.qoe.bitrate': 1_000_000 })
        .play(10, 0)
        .bitrateChange(20, 10, 3_000_000)
        .pauseStart(30, 20)
        .play(40, 20)
        .ping(50, 30, { 'media.qoe.bitrate': 2_000_000 }) // a bitrate on a ping, not a change
        .bitrateChange(55, 35, 2_000_000) // same value again: still a bitrateChange event
        .sessionEnd(60, 40),
      600,
    );
    // 1 Mb/s from sessionStart, but @0→@10 is starting (not playing): in force while playing
    //   play@10 → bitrateChange@20 = 10 s
    // 3 Mb/s: @20→@30 = 10 s playing; @30→@40 paused (not counted); @40→@50 = 10 s: 20 s
    // 2 Mb/s: ping@50 → sessionEnd@60 = 10 s
    // average = (1M·10 + 3M·20 + 2M·10) / (10 + 20 + 10) = 90M / 40 = 2,250,000
    // changes: bitrateChange@20, @55 = 2 (the ping's value is no change event)
    expect(m.bitrate).toEqual({ average: 2_250_000, changes: 2 });
  });

  it('C5: bitrate.average is null when no bitrate was ever in force while playing', () => {
    const m = metricsOf(
      timeline().play(0, 0).ping(10, 10).bitrateChange(10, 10, 500_000).sessionEnd(10, 10),
      600,
    );
    // the only value arrives at the last second: it is in force for 0 s of playing time
    expect(m.bitrate).toEqual({ average: null, changes: 1 });
  });
});

describe('C5 timeToStart and droppedFrames', () => {
  it('C5: timeToStart comes from the first event carrying it (ms / 1000); droppedFrames is the last value', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0)
        .play(2, 0, { 'media.qoe.timeToStart': 2250, 'media.qoe.droppedFrames': 0 })
        .ping(12, 10, { 'media.qoe.timeToStart': 9999, 'media.qoe.droppedFrames': 5 })
        .ping(22, 20, { 'media.qoe.droppedFrames': 12 })
        .ping(32, 30),
      600,
    );
    // first carrier: play@2 with 2250 ms = 2.25 s (the 9999 on ping@12 comes later)
    expect(m.timeToStart).toBe(2.25);
    // droppedFrames values in order 0, 5, 12; ping@32 carries none: last value 12
    expect(m.droppedFrames).toBe(12);
  });

  it('C5: "first" means first in player order, not in arrival order', () => {
    const events = timeline()
      .ping(12, 10, { 'media.qoe.timeToStart': 9999, 'media.qoe.droppedFrames': 7 })
      .play(2, 0, { 'media.qoe.timeToStart': 1500, 'media.qoe.droppedFrames': 3 })
      .build();
    // sorted by ts: play@2 (1500 ms) then ping@12: timeToStart 1.5, droppedFrames last = 7
    const m = metricsOf(events, 600);
    expect(m.timeToStart).toBe(1.5);
    expect(m.droppedFrames).toBe(7);
  });

  it('C5: without any carrier both are null', () => {
    const m = metricsOf(timeline().play(0, 0).ping(10, 10), 600);
    expect(m.timeToStart).toBeNull();
    expect(m.droppedFrames).toBeNull();
  });

  it('C5 (revised): timeToStart from the sessionStart params counts', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0, undefined, { 'media.qoe.timeToStart': 1500 })
        .play(2, 0, { 'media.qoe.timeToStart': 9000 })
        .ping(12, 10),
      600,
    );
    // the sessionStart@0 is the first carrier: 1500 ms = 1.5 s (the play's 9000 comes later)
    expect(m.timeToStart).toBe(1.5);
  });

  it('C5 (revised): on the sessionStart, qoeData goes before params', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0, { 'media.qoe.timeToStart': 2000 }, { 'media.qoe.timeToStart': 1500 })
        .play(2, 0),
      600,
    );
    // both on one event: qoeData's 2000 ms = 2 s
    expect(m.timeToStart).toBe(2);
  });

  it('C5 (revised): media.qoe.timeToStart in the params of another event does not count', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0)
        .event('play', 2, 0, { params: { 'media.qoe.timeToStart': 700 } })
        .ping(12, 10, { timeToStart: 3000 }),
      600,
    );
    // the play's params are no carrier; the ping's unprefixed qoeData is: 3000 ms = 3 s
    expect(m.timeToStart).toBe(3);
  });

  it('C1/C5 (revised): unprefixed bitrate, droppedFrames and timeToStart count like the prefixed', () => {
    const m = metricsOf(
      timeline()
        .sessionStart(0, 0)
        .play(2, 0, { timeToStart: 2000, bitrate: 1_000_000 })
        .ping(12, 10, { droppedFrames: 3, bitrate: 3_000_000 })
        // both spellings on one event: the prefixed one is read
        .ping(22, 20, {
          'media.qoe.bitrate': 2_000_000,
          bitrate: 9_000_000,
          'media.qoe.droppedFrames': 5,
          droppedFrames: 8,
        })
        .ping(32, 30),
      600,
    );
    // 2000 ms on the play = 2 s
    expect(m.timeToStart).toBe(2);
    // 1 Mb/s @2→@12, 3 Mb/s @12→@22, 2 Mb/s @22→@32: (10 + 30 + 20) M / 30 = 2,000,000
    expect(m.bitrate).toEqual({ average: 2_000_000, changes: 0 });
    // 3, then 5 (prefixed over the 8): last value 5
    expect(m.droppedFrames).toBe(5);
  });
});

describe('C5 errors', () => {
  it('C5: errors are counted, their ids kept distinct by source (no source means player)', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .error(5, 5, { params: { 'media.errorId': 'E1', 'media.errorSource': 'player' } })
        .error(6, 6, { params: { 'media.errorId': 'E2' } })
        .error(7, 7, {
          qoeData: { 'media.qoe.errorID': 'X1', 'media.qoe.errorSource': 'external' },
        })
        .error(8, 8, { qoeData: { 'media.qoe.errorID': 'E1', 'media.qoe.errorSource': 'player' } })
        .error(9, 9, { params: { 'media.errorId': 'X1', 'media.errorSource': 'external' } })
        .error(10, 10, { qoeData: { 'media.qoe.errorID': 'E3' } })
        .ping(20, 20),
      600,
    );
    // six error events; player ids: E1 (params), E2 (no source), E1 again (qoeData), E3 (no
    // source) → {E1, E2, E3}; external ids: X1 (qoeData), X1 again (params) → {X1}
    expect(m.errors.count).toBe(6);
    expect([...m.errors.playerIds].sort()).toEqual(['E1', 'E2', 'E3']);
    expect([...m.errors.externalIds]).toEqual(['X1']);
    // an error keeps the state: play@0 → ping@20 is 20 s of content
    expect(m.contentTimeSpent).toBe(20);
  });

  it('C5 (revised): unprefixed errorID and errorSource count; an error without an id adds to the count only', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .error(1, 1, { qoeData: { errorID: 'U1', errorSource: 'external' } })
        .error(2, 2, { qoeData: { errorID: 'U2' } })
        .error(3, 3, { qoeData: { errorSource: 'external' } }) // no id
        .error(4, 4, { params: {} }) // nothing at all
        .ping(10, 10),
      600,
    );
    // four error events; U1 external, U2 without a source: player; the last two only count
    expect(m.errors).toEqual({ count: 4, playerIds: ['U2'], externalIds: ['U1'] });
  });
});

describe('C5 player states', () => {
  const extra = ['s4', 's5', 's6', 's7', 's8', 's9', 's10'];
  const session = () =>
    timeline()
      .play(0, 0)
      .stateStart(0, 0, 'fullscreen')
      .stateStart(1, 1, 'mute')
      .stateStart(2, 2, 'closedCaptioning')
      .stateEnd(3, 3, 'mute')
      .stateStart(5, 5, 'mute')
      .stateEnd(6, 6, 'mute')
      .statesUpdate(10, 10, { start: extra, end: ['closedCaptioning'] })
      .stateStart(11, 11, 's11') // the eleventh name: discarded
      .stateEnd(12, 12, 's11')
      .statesUpdate(20, 20, { end: ['s4', 's11'] })
      .ping(30, 30);

  it('C5: only the first ten state names are kept', () => {
    const m = metricsOf(session(), 600);
    // names in order: fullscreen, mute, closedCaptioning, s4 … s10 = 10; s11 is the 11th
    expect(MAX_PLAYER_STATES).toBe(10);
    expect(Object.keys(m.states).sort()).toEqual(
      ['fullscreen', 'mute', 'closedCaptioning', ...extra].sort(),
    );
    expect(m.states.s11).toBeUndefined();
  });

  it('C5: count = entries, time = start to matching end; an unended state runs to the last event', () => {
    const m = metricsOf(session(), 600);
    // fullscreen: started @0, never ended: to the last event (@30) = 30 s, 1 entry
    expect(m.states.fullscreen).toEqual({ count: 1, time: 30 });
    // mute: @1→@3 = 2 s + @5→@6 = 1 s = 3 s, 2 entries
    expect(m.states.mute).toEqual({ count: 2, time: 3 });
    // closedCaptioning: @2 → ended by statesUpdate@10 = 8 s
    expect(m.states.closedCaptioning).toEqual({ count: 1, time: 8 });
    // s4: statesUpdate@10 → statesUpdate@20 = 10 s
    expect(m.states.s4).toEqual({ count: 1, time: 10 });
    // s5 … s10: statesUpdate@10 → last event @30 = 20 s each
    for (const name of extra.slice(1)) expect(m.states[name]).toEqual({ count: 1, time: 20 });
  });

  it('C5 (revised): fullScreen and FULLSCREEN are one standard state, reported as fullscreen', () => {
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .stateStart(0, 0, 'fullScreen') // the JS SDK's spelling
        .stateEnd(10, 10, 'FULLSCREEN') // ends the same state
        .stateStart(20, 20, 'fullscreen') // the mobile SDKs' spelling: a second entry
        .statesUpdate(25, 25, { start: ['MUTE', 'ClosedCaptioning'], end: ['FullScreen'] })
        .stateStart(26, 26, 'myState')
        .stateStart(27, 27, 'MYSTATE') // not a standard name: another state, kept as sent
        .ping(30, 30),
      600,
    );
    // fullscreen: @0→@10 = 10 s + @20→@25 = 5 s, 2 entries
    expect(m.states.fullscreen).toEqual({ count: 2, time: 15 });
    // mute, closedCaptioning: @25 → last event @30 = 5 s
    expect(m.states.mute).toEqual({ count: 1, time: 5 });
    expect(m.states.closedCaptioning).toEqual({ count: 1, time: 5 });
    // myState @26→@30 = 4 s; MYSTATE @27→@30 = 3 s
    expect(m.states.myState).toEqual({ count: 1, time: 4 });
    expect(m.states.MYSTATE).toEqual({ count: 1, time: 3 });
    expect(Object.keys(m.states).sort()).toEqual(
      ['MYSTATE', 'closedCaptioning', 'fullscreen', 'mute', 'myState'].sort(),
    );
  });

  it('C5 (revised): the ten-name cap counts the standard names once, however spelled', () => {
    const own = ['s2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10'];
    const m = metricsOf(
      timeline()
        .play(0, 0)
        .stateStart(0, 0, 'fullScreen')
        .stateStart(1, 1, 'FULLSCREEN') // in force already: no entry, no new name
        .stateStart(2, 2, 'fullscreen')
        .statesUpdate(3, 3, { start: own }) // names 2 … 10
        .stateStart(4, 4, 'inFocus') // the eleventh name: discarded
        .ping(10, 10),
      600,
    );
    // fullscreen + s2 … s10 = 10 names (counting spellings, s9 and s10 would have been cut)
    expect(Object.keys(m.states)).toHaveLength(10);
    expect(m.states.fullscreen).toEqual({ count: 1, time: 10 });
    // s2 … s10: @3 → last event @10 = 7 s each
    for (const name of own) expect(m.states[name]).toEqual({ count: 1, time: 7 });
    expect(m.states.inFocus).toBeUndefined();
  });

  it('C5: state events keep the playback state', () => {
    const m = metricsOf(session(), 600);
    // play@0 → ping@30, the state events in between change nothing: 30 s of content
    expect(m.contentTimeSpent).toBe(30);
  });
});
