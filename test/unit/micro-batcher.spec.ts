import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../src/database/micro-batcher.js';

interface Observed {
  readonly size: number;
  readonly seconds: number;
  readonly ok: boolean;
}

function observer(): {
  seen: Observed[];
  onBatch: (size: number, seconds: number, ok: boolean) => void;
} {
  const seen: Observed[] = [];
  return { seen, onBatch: (size, seconds, ok) => seen.push({ size, seconds, ok }) };
}

describe('MicroBatcher onBatch', () => {
  it('is told of every write: its size, its duration in seconds, and that it succeeded', async () => {
    const { seen, onBatch } = observer();
    const batcher = new MicroBatcher(
      (items: readonly number[]) => Promise.resolve(items.map((n) => n * 2)),
      {
        maxBatch: 2,
        maxConcurrent: 1,
        onBatch,
      },
    );
    const answers = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(answers).toEqual([2, 4, 6]);
    expect(seen.map(({ size, ok }) => ({ size, ok }))).toEqual([
      { size: 2, ok: true },
      { size: 1, ok: true },
    ]);
    for (const { seconds } of seen) {
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThan(1);
    }
  });

  it('reports a failed write as not ok, after its callers got the error', async () => {
    const { seen, onBatch } = observer();
    const batcher = new MicroBatcher<number, number>(
      () => Promise.reject(new Error('database away')),
      { maxBatch: 10, maxConcurrent: 1, onBatch },
    );
    const results = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await batcher.drain();
    expect(seen.map(({ size, ok }) => ({ size, ok }))).toEqual([{ size: 2, ok: false }]);
  });

  it('an observer that throws changes nothing for the callers', async () => {
    const batcher = new MicroBatcher((items: readonly number[]) => Promise.resolve(items), {
      maxBatch: 10,
      maxConcurrent: 1,
      onBatch: () => {
        throw new Error('broken observer');
      },
    });
    expect(await Promise.all([batcher.submit(1), batcher.submit(2)])).toEqual([1, 2]);
    expect(await batcher.submit(3)).toBe(3);
    await batcher.drain();
  });
});
