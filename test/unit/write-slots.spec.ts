import { describe, expect, it } from 'vitest';
import { WriteSlots } from '../../src/database/write-slots.js';

/** A write that runs until its release is called. */
function heldWrites() {
  const state = { running: 0, most: 0, releases: [] as Array<() => void> };
  const work = () =>
    new Promise<number>((resolve) => {
      state.running += 1;
      state.most = Math.max(state.most, state.running);
      state.releases.push(() => {
        state.running -= 1;
        resolve(state.running);
      });
    });
  return { state, work };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteSlots (C6: large writes cannot take every connection)', () => {
  it('runs at most `concurrent` at once, queues up to the waiting weight, refuses beyond it at once', async () => {
    const slots = new WriteSlots(2, 100);
    const { state, work } = heldWrites();
    const first = slots.run(1_000, work); // a running write is not weighed against the queue
    const second = slots.run(1_000, work);
    const third = slots.run(60, work); // waits for a turn
    const fourth = slots.run(40, work); // waits too: 100 in all
    await expect(slots.run(1, work)).rejects.toMatchObject({
      name: 'WriteRefused',
      reason: 'queue-full',
    });
    await turn();
    expect(state.releases).toHaveLength(2);
    state.releases[0]();
    await first;
    await turn();
    expect(state.releases).toHaveLength(3);
    // The third's weight left the queue with it: 60 more may wait.
    const fifth = slots.run(60, work);
    await expect(slots.run(1, work)).rejects.toMatchObject({ reason: 'queue-full' });
    for (let i = 1; i < 5; i += 1) {
      await turn();
      state.releases[i]();
    }
    await Promise.all([second, third, fourth, fifth]);
    expect(state.most).toBe(2);
  });

  it('many small writes wait their turn where a count limit would refuse them', async () => {
    const slots = new WriteSlots(1, 64 << 20);
    const { state, work } = heldWrites();
    const all = Array.from({ length: 40 }, () => slots.run(2_000, work));
    for (let i = 0; i < 40; i += 1) {
      await turn();
      state.releases[i]();
    }
    await expect(Promise.all(all)).resolves.toHaveLength(40);
    expect(state.most).toBe(1);
  });

  it('a failing write frees its slot', async () => {
    const slots = new WriteSlots(1, 0);
    await expect(slots.run(1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(1, () => Promise.resolve(5))).resolves.toBe(5);
  });
});
