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

describe('MicroBatcher bounds (C6: a bounded 503, never a hang)', () => {
  const never = () => new Promise<readonly number[]>(() => undefined);

  it('refuses a submit at once when maxQueued items already wait', async () => {
    const batcher = new MicroBatcher(never, { maxBatch: 1, maxConcurrent: 1, maxQueued: 2 });
    const first = batcher.submit(1); // taken into the write in flight
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [batcher.submit(2), batcher.submit(3)];
    expect(batcher.full).toBe(true);
    await expect(batcher.submit(4)).rejects.toMatchObject({
      name: 'WriteRefused',
      reason: 'queue-full',
    });
    void first.catch(() => undefined);
    for (const w of waiting) void w.catch(() => undefined);
  });

  it('refuses items past the deadline, queued or in flight, and writes none of the queued ones', async () => {
    const written: number[][] = [];
    let release: (() => void) | undefined;
    const batcher = new MicroBatcher(
      (items: readonly number[]) => {
        written.push([...items]);
        return new Promise<readonly number[]>((resolve) => {
          release = () => resolve(items.map((n) => n * 10));
        });
      },
      { maxBatch: 1, maxConcurrent: 1, deadlineMs: 100 },
    );
    const started = performance.now();
    const answers = [1, 2, 3].map((n) =>
      batcher.submit(n).then(
        (value) => ({ value }),
        (error: { reason?: string }) => ({ refused: error.reason }),
      ),
    );
    const settled = await Promise.all(answers);
    const elapsed = performance.now() - started;
    expect(settled).toEqual([
      { refused: 'deadline' },
      { refused: 'deadline' },
      { refused: 'deadline' },
    ]);
    // At most a twentieth of the deadline late (the watch's interval), plus timer slack.
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(400);
    // Only the first was ever handed to a write: the others left the queue unwritten.
    expect(written).toEqual([[1]]);
    // The write in flight finishing late answers nobody twice and writes nothing more.
    release!();
    await batcher.drain();
    expect(written).toEqual([[1]]);
  });

  it('answers items written within the deadline with their outputs', async () => {
    const batcher = new MicroBatcher(
      (items: readonly number[]) => Promise.resolve(items.map((n) => n + 1)),
      { maxBatch: 10, maxConcurrent: 1, deadlineMs: 1_000, maxQueued: 100 },
    );
    expect(await Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).toEqual([2, 3, 4]);
  });
});

describe('MicroBatcher weight budget (C6: memory bounded during an outage)', () => {
  it('refuses an item whose weight would pass maxQueuedWeight, and frees the weight as items leave', async () => {
    let release: (() => void) | undefined;
    const batcher = new MicroBatcher(
      (items: readonly number[]) =>
        new Promise<readonly number[]>((resolve) => {
          release = () => resolve(items);
        }),
      { maxBatch: 10, maxConcurrent: 1, maxQueuedWeight: 100, weigh: (n: number) => n },
    );
    const inFlight = batcher.submit(90);
    await new Promise((resolve) => setImmediate(resolve));
    // The first left the queue for the write: its weight no longer counts.
    const queued = batcher.submit(60);
    await expect(batcher.submit(50)).rejects.toMatchObject({ reason: 'queue-full' });
    const fits = batcher.submit(40);
    expect(batcher.full).toBe(true);
    release!();
    expect(await inFlight).toBe(90);
    await new Promise((resolve) => setImmediate(resolve));
    release!();
    expect(await Promise.all([queued, fits])).toEqual([60, 40]);
  });
});
