import { describe, expect, it } from 'vitest';
import {
  comparePlayerOrder,
  tiePrecedence,
  tiePrecedenceSql,
} from '../../src/media/player-order.js';
import { CONTRACT_EVENT_TYPES } from '../support/factories.js';
import { shuffled } from '../support/timeline.js';

// C5 (revised): reports read events ordered in SQL by (ts, tiePrecedenceSql, seq); that order
// must be the one comparePlayerOrder gives, unknown types included.

const KNOWN_TYPES = ['sessionStart', ...CONTRACT_EVENT_TYPES];

/** The rank the SQL expression gives each type, read back from its text (a simple CASE). */
function sqlRanks(sql: string): (eventType: string) => number {
  const shape = /^\(CASE e\.event_type ((?:WHEN '[A-Za-z]+' THEN \d+ )+)ELSE (\d+) END\)$/;
  const match = shape.exec(sql);
  if (!match) throw new Error(`not a simple CASE: ${sql}`);
  const ranks = new Map<string, number>();
  for (const [, type, rank] of match[1].matchAll(/WHEN '([A-Za-z]+)' THEN (\d+) /g)) {
    // a simple CASE takes the first WHEN that matches
    if (!ranks.has(type)) ranks.set(type, Number(rank));
  }
  const otherwise = Number(match[2]);
  return (eventType) => ranks.get(eventType) ?? otherwise;
}

describe('C5 (revised) player order in SQL', () => {
  const rank = sqlRanks(tiePrecedenceSql('e.event_type'));

  it('C5: the SQL rank of every known type is its tiePrecedence; unknown types sort after all', () => {
    for (const type of KNOWN_TYPES) expect(rank(type)).toBe(tiePrecedence(type));
    // sessionComplete and contentComplete share one place
    expect(rank('contentComplete')).toBe(rank('sessionComplete'));
    expect(rank('sessionEnd')).toBe(19);
    expect(rank('futureEvent')).toBe(20);
    expect(rank('futureEvent')).toBe(tiePrecedence('futureEvent'));
  });

  it('C5: ORDER BY ts, rank, seq agrees with comparePlayerOrder on a shuffled sample of every type', () => {
    const types = [...KNOWN_TYPES, 'futureEvent', 'ping2'];
    // three ts values, so most events tie with events of other types; seq is arrival
    const sample = Array.from({ length: 300 }, (_, i) => ({
      eventType: types[(i * 7) % types.length],
      ts: 1_000 + (i % 3),
      seq: i,
    }));
    const bySql = (a: (typeof sample)[0], b: (typeof sample)[0]) =>
      a.ts - b.ts || rank(a.eventType) - rank(b.eventType) || a.seq - b.seq;
    for (const seed of [1, 2, 3]) {
      const input = shuffled(sample, seed);
      const expected = [...input].sort(comparePlayerOrder);
      expect([...input].sort(bySql)).toEqual(expected);
      // at ts 1000 the sessionStarts lead and the unknown types come after the last sessionEnd
      const atFirstTs = expected.filter((e) => e.ts === 1_000).map((e) => e.eventType);
      expect(atFirstTs[0]).toBe('sessionStart');
      const firstUnknown = Math.min(atFirstTs.indexOf('futureEvent'), atFirstTs.indexOf('ping2'));
      expect(atFirstTs.lastIndexOf('sessionEnd')).toBe(firstUnknown - 1);
    }
  });

  it('C5: the column is placed as given', () => {
    expect(tiePrecedenceSql('x.t')).toMatch(/^\(CASE x\.t WHEN 'sessionStart' THEN 0 /);
  });
});
