import { describe, expect, it } from 'vitest';
import { withinDeadline } from '../../src/database/deadline.js';

describe('withinDeadline (C6)', () => {
  it('gives the work its outcome when it finishes in time', async () => {
    await expect(withinDeadline(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(withinDeadline(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
  });

  it('refuses with a deadline WriteRefused once the time has passed', async () => {
    const started = performance.now();
    await expect(withinDeadline(new Promise(() => undefined), 50)).rejects.toMatchObject({
      name: 'WriteRefused',
      reason: 'deadline',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('a failure after the deadline is no unhandled rejection', async () => {
    let fail: ((error: Error) => void) | undefined;
    const work = new Promise<never>((_, reject) => (fail = reject));
    await expect(withinDeadline(work, 10)).rejects.toMatchObject({ reason: 'deadline' });
    fail!(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});
