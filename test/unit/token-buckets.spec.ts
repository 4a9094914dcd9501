import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/common/http/token-buckets.js';

/** Takes `count` tokens for `key` at `nowMs` and returns each answer. */
function takeMany(buckets: TokenBuckets, key: string, nowMs: number, count: number): number[] {
  return Array.from({ length: count }, () => buckets.take(key, nowMs));
}

describe('TokenBuckets (C6: 429 with Retry-After past a per-address token bucket)', () => {
  describe('burst and refusal', () => {
    it('C6: a fresh address may make `burst` requests at once; the next is refused', () => {
      const buckets = new TokenBuckets(5, 10);
      expect(takeMany(buckets, 'a', 0, 10)).toEqual(Array(10).fill(0));
      expect(buckets.take('a', 0)).toBe(1);
    });

    it('C6: a refused request takes nothing: refusals do not push the wait further out', () => {
      const buckets = new TokenBuckets(1, 2);
      takeMany(buckets, 'a', 0, 2);
      expect(takeMany(buckets, 'a', 0, 50)).toEqual(Array(50).fill(1));
      // One second later exactly one token has flowed in, refusals notwithstanding.
      expect(buckets.take('a', 1_000)).toBe(0);
      expect(buckets.take('a', 1_000)).toBe(1);
    });

    it('C6: burst 1 allows one request, then one per 1/rate seconds', () => {
      const buckets = new TokenBuckets(4, 1);
      expect(buckets.take('a', 0)).toBe(0);
      expect(buckets.take('a', 0)).toBe(1);
      expect(buckets.take('a', 249)).toBe(1);
      expect(buckets.take('a', 250)).toBe(0);
      expect(buckets.take('a', 250)).toBe(1);
    });
  });

  describe('refill', () => {
    it('C6: tokens flow in at `rate` per second, fractions included', () => {
      const buckets = new TokenBuckets(2, 3);
      takeMany(buckets, 'a', 0, 3);
      // 250 ms at 2/s is half a token: still refused.
      expect(buckets.take('a', 250)).toBe(1);
      // 500 ms is one token: served, and the bucket is empty again.
      expect(buckets.take('a', 500)).toBe(0);
      expect(buckets.take('a', 500)).toBe(1);
      // 1.5 s later three tokens are there (the burst), no more.
      expect(takeMany(buckets, 'a', 2_000, 3)).toEqual([0, 0, 0]);
      expect(buckets.take('a', 2_000)).toBe(1);
    });

    it('C6: a bucket never holds more than `burst`, however long the address was quiet', () => {
      const buckets = new TokenBuckets(100, 5);
      takeMany(buckets, 'a', 0, 5);
      expect(takeMany(buckets, 'a', 3_600_000, 6)).toEqual([0, 0, 0, 0, 0, 1]);
    });

    it('C6: a clock that steps backwards adds no tokens and removes none', () => {
      const buckets = new TokenBuckets(1, 2);
      expect(buckets.take('a', 10_000)).toBe(0);
      expect(buckets.take('a', 5_000)).toBe(0);
      expect(buckets.take('a', 5_000)).toBe(1);
      // The bucket's clock moved back to 5 s: a token is there one second after that.
      expect(buckets.take('a', 6_000)).toBe(0);
    });
  });

  describe('Retry-After', () => {
    it('C6: at rate 2/s with half a token left the wait is 1 s (0.25 s rounded up)', () => {
      const buckets = new TokenBuckets(2, 1);
      buckets.take('a', 0);
      expect(buckets.take('a', 250)).toBe(1);
    });

    it('C6: the wait is whole seconds, rounded up, never 0 for a refusal', () => {
      const buckets = new TokenBuckets(1_000, 1);
      buckets.take('a', 0);
      // A thousandth of a second would do; Retry-After still says 1.
      expect(buckets.take('a', 0)).toBe(1);
    });

    it.each([
      [0.5, 0, 2],
      [0.5, 1_000, 1],
      [0.25, 0, 4],
      [0.25, 1_000, 3],
      [0.25, 3_999, 1],
      [0.1, 0, 10],
    ])(
      'C6: at rate %s/s, %s ms after the bucket emptied, Retry-After is %s s',
      (rate, afterMs, seconds) => {
        const buckets = new TokenBuckets(rate, 1);
        expect(buckets.take('a', 0)).toBe(0);
        expect(buckets.take('a', afterMs)).toBe(seconds);
      },
    );

    it('C6: a client that waits the Retry-After it was given is served then', () => {
      for (const rate of [0.1, 0.3, 0.7, 1, 2, 3, 7, 200]) {
        for (const burst of [1, 3]) {
          const buckets = new TokenBuckets(rate, burst);
          let now = 0;
          // Requests at uneven gaps; each refusal is followed by a retry exactly when told.
          for (let i = 0; i < 200; i += 1) {
            const wait = buckets.take('a', now);
            if (wait > 0) {
              expect(Number.isInteger(wait), `rate ${rate}: ${wait}`).toBe(true);
              expect(wait).toBeGreaterThanOrEqual(1);
              now += wait * 1_000;
              expect(buckets.take('a', now), `rate ${rate}, retry at ${now} ms`).toBe(0);
            }
            now += (i * 37) % 300;
          }
        }
      }
    });
  });

  describe('addresses', () => {
    it('C6: each address has its own bucket', () => {
      const buckets = new TokenBuckets(1, 3);
      expect(takeMany(buckets, '10.0.0.1', 0, 4)).toEqual([0, 0, 0, 1]);
      expect(takeMany(buckets, '10.0.0.2', 0, 3)).toEqual([0, 0, 0]);
      expect(buckets.take('10.0.0.1', 0)).toBe(1);
      expect(buckets.take('::1', 0)).toBe(0);
      expect(buckets.size).toBe(3);
    });
  });

  describe('memory bound (maxKeys)', () => {
    it('C6: a flood of new addresses never grows the table past maxKeys', () => {
      const buckets = new TokenBuckets(1, 10, 100);
      let largest = 0;
      for (let i = 0; i < 10_000; i += 1) {
        // Every address is used (not full): nothing is free to drop but the oldest half.
        buckets.take(`flood-${i}`, i);
        largest = Math.max(largest, buckets.size);
      }
      expect(largest).toBe(100);
      expect(buckets.size).toBeLessThanOrEqual(100);
    });

    it('C6: full buckets are dropped first when the table is full', () => {
      const buckets = new TokenBuckets(1, 2, 3);
      buckets.take('idle-1', 0);
      buckets.take('idle-2', 0);
      buckets.take('busy', 0);
      buckets.take('busy', 1_500);
      // At 2 s the idle buckets are full again (1 + 2 s × 1/s, capped at 2); busy holds 1.5.
      buckets.take('new', 2_000);
      expect(buckets.size).toBe(2);
      // busy kept its state: 1.5 tokens, so one request, then a refusal.
      expect(takeMany(buckets, 'busy', 2_000, 2)).toEqual([0, 1]);
      // new has the one left of its fresh burst of 2.
      expect(takeMany(buckets, 'new', 2_000, 2)).toEqual([0, 1]);
    });

    it('C6: with no full bucket, the oldest half is dropped (and those addresses start afresh)', () => {
      const buckets = new TokenBuckets(1, 2, 4);
      for (const key of ['a', 'b', 'c', 'd']) takeMany(buckets, key, 0, 2);
      buckets.take('e', 0);
      // a and b went; c, d and e are left.
      expect(buckets.size).toBe(3);
      expect(buckets.take('c', 0)).toBe(1);
      expect(buckets.take('d', 0)).toBe(1);
      expect(takeMany(buckets, 'a', 0, 3)).toEqual([0, 0, 1]);
    });

    it('C6: prune drops exactly the full buckets', () => {
      const buckets = new TokenBuckets(1, 5);
      buckets.take('a', 0);
      takeMany(buckets, 'b', 0, 5);
      buckets.prune(1_000);
      // a is full again (4 + 1); b holds 1 token and stays.
      expect(buckets.size).toBe(1);
      expect(takeMany(buckets, 'b', 1_000, 2)).toEqual([0, 1]);
      buckets.prune(60_000);
      expect(buckets.size).toBe(0);
    });

    it('C6: the default table holds 100,000 addresses', () => {
      const buckets = new TokenBuckets(1, 10);
      for (let i = 0; i < 100_001; i += 1) buckets.take(`k${i}`, 0);
      expect(buckets.size).toBeLessThanOrEqual(100_000);
      expect(buckets.size).toBeGreaterThan(50_000);
    });
  });
});
