import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshedValue } from '../../src/metrics/refreshed-value.js';

/** A read the test answers by hand. */
function deferred() {
  let resolve!: (value: number) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Reads that answer in the order given: a number at once, an Error as a rejection, or by hand. */
function reads(...answers: Array<number | Error | Promise<number>>) {
  const read = vi.fn(() => {
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no more reads expected');
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(answer);
  });
  return read;
}

const TIMEOUT_MS = 100;

describe('RefreshedValue (C8: database-derived gauges refreshed in the background)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const make = (read: () => Promise<number>, onError?: (error: unknown) => void) =>
    new RefreshedValue(read, {
      timeoutMs: TIMEOUT_MS,
      now: () => Date.now(),
      ...(onError ? { onError } : {}),
    });

  it('C8: before the first read there is no value, and its age counts from the start', () => {
    const value = make(reads());
    vi.advanceTimersByTime(2_500);
    expect(value.value).toBeUndefined();
    expect(value.ageSeconds()).toBe(2.5);
  });

  it('C8: a read becomes the value; its age counts from the moment it answered', async () => {
    const read = reads(463_000, 463_008);
    const value = make(read);
    vi.advanceTimersByTime(1_000);
    expect(await value.refresh()).toBe('updated');
    expect(value.value).toBe(463_000);
    expect(value.ageSeconds()).toBe(0);
    vi.advanceTimersByTime(1_500);
    expect(value.ageSeconds()).toBe(1.5);
    expect(await value.refresh()).toBe('updated');
    expect(value.value).toBe(463_008);
    expect(value.ageSeconds()).toBe(0);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('C8: a failed read keeps the last value and its age, and is reported', async () => {
    const failure = new Error('connection terminated');
    const errors: unknown[] = [];
    const value = make(reads(7, failure, 9), (error) => errors.push(error));
    expect(await value.refresh()).toBe('updated');
    vi.advanceTimersByTime(3_000);
    expect(await value.refresh()).toBe('failed');
    expect(value.value).toBe(7);
    expect(value.ageSeconds()).toBe(3);
    expect(errors).toEqual([failure]);
    expect(await value.refresh()).toBe('updated');
    expect(value.value).toBe(9);
  });

  it('C8: a read that throws instead of rejecting fails the same way', async () => {
    const errors: unknown[] = [];
    const value = make(
      () => {
        throw new Error('not wired');
      },
      (error) => errors.push(error),
    );
    expect(await value.refresh()).toBe('failed');
    expect(value.value).toBeUndefined();
    expect(errors.map((e) => (e as Error).message)).toEqual(['not wired']);
  });

  it('C8: a read past the timeout ends the refresh and keeps the last value', async () => {
    const slow = deferred();
    const value = make(reads(5, slow.promise));
    await value.refresh();
    const refreshing = value.refresh();
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
    let outcome: string | undefined;
    void refreshing.then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(await refreshing).toBe('timed-out');
    expect(value.value).toBe(5);
    expect(value.ageSeconds()).toBe(0.1);
  });

  it('C8: no second read starts while one is out, even past its timeout; its late answer counts', async () => {
    const slow = deferred();
    const read = reads(5, slow.promise, 11);
    const value = make(read);
    await value.refresh();
    const first = value.refresh();
    // At once, and after the first refresh gave up waiting: the read is still out.
    expect(await value.refresh()).toBe('busy');
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await first).toBe('timed-out');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await value.refresh()).toBe('busy');
    expect(read).toHaveBeenCalledTimes(2);
    expect(value.value).toBe(5);

    slow.resolve(8);
    await vi.advanceTimersByTimeAsync(0);
    expect(value.value).toBe(8);
    expect(value.ageSeconds()).toBe(0);
    expect(await value.refresh()).toBe('updated');
    expect(value.value).toBe(11);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('C8: a late read that fails keeps the last value and frees the turn', async () => {
    const slow = deferred();
    const errors: unknown[] = [];
    const read = reads(5, slow.promise, 6);
    const value = make(read, (error) => errors.push(error));
    await value.refresh();
    const refreshing = value.refresh();
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    expect(await refreshing).toBe('timed-out');
    slow.reject(new Error('canceling statement due to statement timeout'));
    await vi.advanceTimersByTimeAsync(0);
    expect(value.value).toBe(5);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'canceling statement due to statement timeout',
    ]);
    expect(await value.refresh()).toBe('updated');
    expect(value.value).toBe(6);
  });
});
