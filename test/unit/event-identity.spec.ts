import { describe, expect, it } from 'vitest';
import { canonicalJson, eventKey, repeatsIn } from '../../src/media/event-identity.js';

const ping = (ts: number, members: Record<string, unknown> = {}) => ({
  eventType: 'ping',
  ts,
  playhead: 3,
  ...members,
});

describe('event identity (C3: a retry is the same whole body)', () => {
  it('C3: canonical JSON orders members, keeps arrays in order and numbers by value', () => {
    expect(canonicalJson({ b: [2, 1], a: { d: 1.0, c: 'x' } })).toBe(
      '{"a":{"c":"x","d":1},"b":[2,1]}',
    );
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  it('C3: params {} (or qoeData {}, customMetadata {}) is the same as none; a nested {} is a value', () => {
    expect(eventKey(ping(1, { params: {} }))).toBe(eventKey(ping(1)));
    expect(eventKey(ping(1, { qoeData: {}, customMetadata: {} }))).toBe(eventKey(ping(1)));
    expect(eventKey(ping(1, { params: { a: {} } }))).not.toBe(eventKey(ping(1)));
  });

  it('C3: the playhead and every member count; a value moved between members is another event', () => {
    const keys = [
      ping(1),
      { ...ping(1), playhead: 4 },
      ping(1, { params: { x: '1' } }),
      ping(1, { params: { x: 1 } }),
      ping(1, { qoeData: { x: 1 } }),
      ping(1, { customMetadata: { x: '1' } }),
      { ...ping(1), eventType: 'play' },
      ping(2),
    ].map(eventKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('C3: repeatsIn names the first copy of each repeat and -1 for first copies', () => {
    const events = [
      ping(1, { params: { 'media.state.name': 'mute' } }),
      ping(1, { params: { 'media.state.name': 'fullscreen' } }),
      ping(1, { params: { 'media.state.name': 'mute' } }),
      ping(2),
      ping(1, { params: { 'media.state.name': 'fullscreen' } }),
      ping(2, { params: {} }),
    ];
    expect(repeatsIn(events)).toEqual([-1, -1, 0, -1, 1, 3]);
  });

  it('C1: 50,000 events of one type and ts with distinct bodies are told apart in one pass', () => {
    // Compared pairwise they would take 1.25 billion comparisons, far past the test's timeout.
    const events = Array.from({ length: 50_000 }, (_, i) => ping(1, { params: { n: i } }));
    events.push(ping(1, { params: { n: 49_999 } }));
    expect(repeatsIn(events).filter((r) => r >= 0)).toEqual([49_999]);
  });
});
