import { describe, expect, it } from 'vitest';
import { tiePrecedence } from '../../src/media/player-order.js';
import { type BatchEvent, DEFERRED, planBatch } from '../../src/sessions/event-batch.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const event = (sessionId: string, eventType: string, ts: number, playhead = 0): BatchEvent => ({
  sessionId,
  eventType,
  ts,
  playhead,
});

describe('planBatch (C3: one write per batch, each event answered on its own)', () => {
  it('numbers each session’s events in arrival order and lists sessions in id order', () => {
    const plan = planBatch([
      event(C, 'ping', 1),
      event(A, 'ping', 1),
      event(C, 'ping', 2),
      event(B, 'ping', 1),
      event(A, 'ping', 2),
      event(C, 'ping', 3),
    ]);
    expect(plan.sessions.map((s) => [s.sessionId, s.events])).toEqual([
      [A, 2],
      [B, 1],
      [C, 3],
    ]);
    expect(plan.candidates.map((c) => [c.session, c.rank, c.event.ts])).toEqual([
      [2, 1, 1],
      [0, 1, 1],
      [2, 2, 2],
      [1, 1, 1],
      [0, 2, 2],
      [2, 3, 3],
    ]);
    expect(plan.answeredBy).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('writes an event repeated in the batch once and answers every copy from it', () => {
    const plan = planBatch([
      event(A, 'ping', 1),
      event(A, 'play', 1),
      event(A, 'ping', 1),
      event(B, 'ping', 1),
      event(A, 'ping', 1),
    ]);
    expect(plan.candidates.map((c) => [c.event.eventType, c.event.sessionId, c.rank])).toEqual([
      ['ping', A, 1],
      ['play', A, 2],
      ['ping', B, 1],
    ]);
    expect(plan.answeredBy).toEqual([0, 1, 0, 2, 0]);
    expect(plan.repeats).toEqual([false, false, true, false, true]);
    expect(plan.sessions.map((s) => s.events)).toEqual([2, 1]);
  });

  it('C3: two events of one type and ts that differ in params or playhead are two events', () => {
    const mute = { ...event(A, 'stateStart', 1), params: { 'media.state.name': 'mute' } };
    const full = { ...event(A, 'stateStart', 1), params: { 'media.state.name': 'fullscreen' } };
    const plan = planBatch([
      mute,
      full,
      { ...mute, params: { 'media.state.name': 'mute' } },
      event(A, 'stateStart', 1, 5),
    ]);
    expect(plan.answeredBy).toEqual([0, 1, 0, 2]);
    expect(plan.repeats).toEqual([false, false, true, false]);
    expect(plan.sessions[0]).toMatchObject({ events: 3, counted: 3 });
  });

  it('C3: params {} is the same as no params, so such a copy is a repeat', () => {
    const plan = planBatch([event(A, 'ping', 1), { ...event(A, 'ping', 1), params: {} }]);
    expect(plan.answeredBy).toEqual([0, 0]);
    expect(plan.repeats).toEqual([false, true]);
  });

  it('C5: counts repeats within the batch, and retries of earlier rounds, as the session’s retries', () => {
    const plan = planBatch(
      [event(A, 'ping', 1), event(B, 'ping', 1), event(A, 'ping', 1), event(A, 'ping', 1)],
      new Map([[B, 2]]),
    );
    expect(plan.sessions.map((s) => [s.sessionId, s.retries])).toEqual([
      [A, 2],
      [B, 2],
    ]);
  });

  it('C5: a repeat of an event left for the next round is not counted in this one', () => {
    const plan = planBatch([event(A, 'sessionEnd', 1), event(A, 'ping', 2), event(A, 'ping', 2)]);
    expect(plan.answeredBy).toEqual([0, DEFERRED, DEFERRED]);
    expect(plan.sessions[0]?.retries).toBe(0);
  });

  it('C3/C4: a sessionEnd does not count against the cap; a complete is noted', () => {
    const [delta] = planBatch([
      event(A, 'ping', 1),
      event(A, 'contentComplete', 2),
      event(A, 'sessionEnd', 3),
    ]).sessions;
    expect(delta).toMatchObject({ events: 3, counted: 2, completes: true, ends: true });
  });

  it('keeps the lowest, highest and last playhead in arrival order, and notes a sessionEnd', () => {
    const [delta] = planBatch([
      event(A, 'ping', 3, 12.5),
      event(A, 'ping', 1, 3),
      event(A, 'sessionEnd', 2, 7.25),
    ]).sessions;
    expect(delta).toMatchObject({
      lowestPlayhead: 3,
      highestPlayhead: 12.5,
      lastPlayhead: 7.25,
      ends: true,
    });
  });

  it('C5: takes the live state from the latest event of each kind in player order: ts, then the tie precedence', () => {
    const [delta] = planBatch([
      event(A, 'pauseStart', 500),
      event(A, 'bufferStart', 200), // arrives late: older than the pause
      event(A, 'adBreakStart', 300),
      event(A, 'adStart', 310),
      event(A, 'adBreakComplete', 900),
      event(A, 'adComplete', 900), // same ts, arrives later, but what ends a break comes after
      event(A, 'play', 500), // same ts as the pause, arrives later, but pauseStart comes after play
      event(A, 'ping', 1000),
    ]).sessions;
    expect(delta.playback).toEqual({ value: 'paused', ts: 500, rank: tiePrecedence('pauseStart') });
    expect(delta.inBreak).toEqual({
      value: false,
      ts: 900,
      rank: tiePrecedence('adBreakComplete'),
    });
    expect(delta.adEvent).toEqual({
      value: 'adBreakComplete',
      ts: 900,
      rank: tiePrecedence('adBreakComplete'),
    });
    expect(delta.ends).toBe(false);
  });

  it('C5: at one ts a break that starts wins over one that ends, whatever the arrival order', () => {
    for (const order of [
      ['adBreakComplete', 'adBreakStart', 'adStart'],
      ['adStart', 'adBreakStart', 'adBreakComplete'],
    ]) {
      const [delta] = planBatch(order.map((type) => event(A, type, 7))).sessions;
      expect(delta.inBreak?.value).toBe(true);
      expect(delta.adEvent?.value).toBe('adStart');
    }
  });

  it('leaves a state the batch does not set undefined, so the stored one stays', () => {
    const [delta] = planBatch([event(A, 'ping', 1), event(A, 'adStart', 2)]).sessions;
    expect(delta.playback).toBeUndefined();
    expect(delta.inBreak).toBeUndefined();
    expect(delta.adEvent).toEqual({ value: 'adStart', ts: 2, rank: tiePrecedence('adStart') });
  });

  it('treats event types named like Object members as plain events', () => {
    const [delta] = planBatch([event(A, 'constructor', 1), event(A, 'toString', 2)]).sessions;
    expect(delta.playback).toBeUndefined();
    expect(delta.events).toBe(2);
  });

  it('C4: leaves a session’s events after its sessionEnd for the next round; repeats of earlier ones are still answered now', () => {
    const plan = planBatch([
      event(A, 'ping', 1),
      event(A, 'sessionEnd', 2),
      event(B, 'ping', 1),
      event(A, 'ping', 3),
      event(A, 'ping', 1),
      event(A, 'sessionEnd', 2),
    ]);
    expect(plan.answeredBy).toEqual([0, 1, 2, DEFERRED, 0, 1]);
    expect(plan.sessions.map((s) => [s.sessionId, s.events, s.ends])).toEqual([
      [A, 2, true],
      [B, 1, false],
    ]);
  });
});
