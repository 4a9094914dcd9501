import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RenderBudget } from '../../src/metrics/render-budget.js';

/** Renders numbered in order: `render 1`, `render 2`, ... */
function renders(failing: readonly number[] = []) {
  let count = 0;
  const render = vi.fn(() => {
    count += 1;
    return failing.includes(count)
      ? Promise.reject(new Error(`render ${count} failed`))
      : Promise.resolve(`render ${count}`);
  });
  return render;
}

/** Settles what is due now and tells which of the promises have settled, with their values. */
async function settled(promises: ReadonlyArray<Promise<string>>): Promise<Array<string | null>> {
  const seen: Array<string | null> = promises.map(() => null);
  promises.forEach((p, i) => void p.then((text) => (seen[i] = text)));
  await vi.advanceTimersByTimeAsync(0);
  return seen;
}

describe('RenderBudget (C8: scrapes cost a bounded number of renders and never get old figures)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  // 20 renders a second: one token every 50 ms.
  const make = (render: () => Promise<string>, burst = 3) =>
    new RenderBudget(render, { rendersPerSecond: 20, burst, now: () => Date.now() });

  it('C8: within the burst every scrape gets a render of its own, at once', async () => {
    const render = renders();
    const budget = make(render);
    expect(await settled([budget.text(), budget.text(), budget.text()])).toEqual([
      'render 1',
      'render 2',
      'render 3',
    ]);
    expect(render).toHaveBeenCalledTimes(3);
  });

  it('C8: beyond the budget scrapes wait for the next token and share one render', async () => {
    const render = renders();
    const budget = make(render);
    await Promise.all([budget.text(), budget.text(), budget.text()]);
    const waiting = [budget.text(), budget.text(), budget.text()];
    expect(await settled(waiting)).toEqual([null, null, null]);
    await vi.advanceTimersByTimeAsync(49);
    expect(await settled(waiting)).toEqual([null, null, null]);
    expect(render).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(waiting)).toEqual(['render 4', 'render 4', 'render 4']);
    expect(render).toHaveBeenCalledTimes(4);
  });

  it('C8: a scrape arriving after the shared render started waits for a later one', async () => {
    const render = renders();
    const budget = make(render, 1);
    expect(await budget.text()).toBe('render 1');
    const first = budget.text();
    await vi.advanceTimersByTimeAsync(50);
    expect(await first).toBe('render 2');
    const second = budget.text();
    await vi.advanceTimersByTimeAsync(49);
    expect(await settled([second])).toEqual([null]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await second).toBe('render 3');
  });

  it('C8: looping scrapers get 20 renders a second after the burst, however many they are', async () => {
    const render = renders();
    const budget = make(render);
    let answered = 0;
    const scraper = async () => {
      while (Date.now() < 1_000) {
        await budget.text();
        answered += 1;
      }
    };
    const scrapers = Promise.all(Array.from({ length: 16 }, scraper));
    await vi.advanceTimersByTimeAsync(1_000);
    await scrapers;
    // The burst of 3 at 0 ms, then one every 50 ms up to and including 1,000 ms.
    expect(render).toHaveBeenCalledTimes(3 + 20);
    expect(answered).toBe(3 + 20 * 16);
  });

  it('C8: a quiet spell refills the burst, never beyond it', async () => {
    const render = renders();
    const budget = make(render);
    await Promise.all([budget.text(), budget.text(), budget.text()]);
    await vi.advanceTimersByTimeAsync(60_000);
    const now = [budget.text(), budget.text(), budget.text(), budget.text()];
    expect(await settled(now)).toEqual(['render 4', 'render 5', 'render 6', null]);
    await vi.advanceTimersByTimeAsync(50);
    expect(await settled(now)).toEqual(['render 4', 'render 5', 'render 6', 'render 7']);
  });

  it('C8: a failed shared render fails its scrapes only; the next scrape renders afresh', async () => {
    const render = renders([2]);
    const budget = make(render, 1);
    await budget.text();
    const waiting = [budget.text(), budget.text()];
    const outcomes = waiting.map((p) => p.then(String, (error: Error) => error.message));
    await vi.advanceTimersByTimeAsync(50);
    expect(await Promise.all(outcomes)).toEqual(['render 2 failed', 'render 2 failed']);
    const next = budget.text();
    await vi.advanceTimersByTimeAsync(50);
    expect(await next).toBe('render 3');
  });
});
