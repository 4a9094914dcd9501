import { describe, expect, it } from 'vitest';
import { WriteSlots } from '../../src/database/write-slots.js';

describe('WriteSlots (C6: large writes cannot take every connection)', () => {
  it('runs at most `concurrent` at once, queues `maxWaiting`, refuses the next at once', async () => {
    const slots = new WriteSlots(2, 1);
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const work = () =>
      new Promise<number>((resolve) => {
        running += 1;
        most = Math.max(most, running);
        releases.push(() => {
          running -= 1;
          resolve(running);
        });
      });
    const first = slots.run(work);
    const second = slots.run(work);
    const third = slots.run(work); // waits for a turn
    await expect(slots.run(work)).rejects.toMatchObject({
      name: 'WriteRefused',
      reason: 'queue-full',
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(releases).toHaveLength(2);
    releases[0]();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(releases).toHaveLength(3);
    releases[1]();
    releases[2]();
    await Promise.all([second, third]);
    expect(most).toBe(2);
  });

  it('a failing write frees its slot', async () => {
    const slots = new WriteSlots(1, 0);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve(5))).resolves.toBe(5);
  });
});
