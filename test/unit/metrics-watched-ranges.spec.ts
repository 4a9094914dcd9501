import { describe, expect, it } from 'vitest';
import { MAX_WATCHED_RANGES, WatchedRanges } from '../../src/media/metrics/watched-ranges.js';
import { shuffled } from '../support/timeline.js';

// C5 uniqueTimePlayed in bounded memory: exact up to MAX_WATCHED_RANGES disjoint ranges, then
// the closest neighbours merge and each filled gap is counted.

describe('C5 WatchedRanges', () => {
  it('C5: the union of overlapping ranges, added in any order, is exact and held in bounded memory', () => {
    // [10k, 10k + 4] and [10k + 2, 10k + 6] for k < 300: 300 pieces of 6, sent 20 times over
    const ranges = Array.from({ length: 300 }, (_, k) => [
      [10 * k, 10 * k + 4],
      [10 * k + 2, 10 * k + 6],
    ]).flat();
    const watched = new WatchedRanges();
    let largest = 0;
    for (let round = 0; round < 20; round += 1) {
      for (const [from, to] of shuffled(ranges, round + 1)) {
        watched.add(from, to);
        largest = Math.max(largest, watched.size);
      }
    }
    expect(watched.total()).toBe(1800);
    expect(watched.gapsFilled).toBe(0);
    // 12,000 ranges added; never more than twice the bound held
    expect(largest).toBeLessThanOrEqual(2 * MAX_WATCHED_RANGES);
  });

  it('C5: a range that begins inside the last one extends it, even after a seek back', () => {
    const watched = new WatchedRanges();
    watched.add(100, 110);
    watched.add(0, 10);
    watched.add(10, 20);
    watched.add(15, 30);
    expect(watched.size).toBe(2);
    expect(watched.total()).toBe(40);
  });

  it('C5: empty and reversed ranges add nothing', () => {
    const watched = new WatchedRanges();
    watched.add(5, 5);
    watched.add(9, 3);
    watched.add(Number.NaN, 3);
    expect(watched.size).toBe(0);
    expect(watched.total()).toBe(0);
  });

  it('C5: past the bound, the two closest neighbours merge and the filled gap is counted', () => {
    // 1,000 pieces [10i, 10i + 1], and [5002, 5003], one second after the piece [5000, 5001]:
    // 1,001 disjoint pieces, the closest two 1 s apart (every other gap is at least 7 s)
    const watched = new WatchedRanges();
    for (let i = 0; i < MAX_WATCHED_RANGES; i += 1) {
      watched.add(10 * i, 10 * i + 1);
      if (i === 500) watched.add(5002, 5003);
    }
    expect(watched.total()).toBe(1001);
    // repeats of pieces already held (out of order, so appended) until the store compacts
    for (let i = 0; i < MAX_WATCHED_RANGES; i += 1) watched.add(10 * i, 10 * i + 1);
    // [5000, 5001] and [5002, 5003] became [5000, 5003]: 1 s more than watched
    expect(watched.gapsFilled).toBe(1);
    expect(watched.total()).toBe(1002);
    // 1,000 disjoint ranges after the merge, and the repeat that triggered it
    expect(watched.size).toBe(MAX_WATCHED_RANGES + 1);
  });

  it('C5: at exactly the bound of disjoint pieces nothing merges', () => {
    const watched = new WatchedRanges();
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < MAX_WATCHED_RANGES; i += 1) watched.add(10 * i, 10 * i + 1);
    }
    expect(watched.total()).toBe(MAX_WATCHED_RANGES);
    expect(watched.gapsFilled).toBe(0);
  });
});
