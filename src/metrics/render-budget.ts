export interface RenderBudgetOptions {
  /** Renders allowed per second once the burst is spent. */
  readonly rendersPerSecond: number;
  /** Renders allowed at once. */
  readonly burst: number;
  /** Milliseconds on a monotonic clock. */
  readonly now?: () => number;
}

/**
 * Renders the exposition for each scrape within a budget (a token bucket); a scrape beyond it
 * waits for the next render the budget allows, which every scrape arriving meanwhile shares. So a
 * scrape never gets figures from before it arrived, and clients looping on `/metrics` cost a
 * bounded number of renders (about half a millisecond of the event loop each) and are slowed to
 * that pace instead of taking the event loop from the players.
 */
export class RenderBudget {
  private tokens: number;
  private refilledAt: number;
  /** The render the budget allows next, not started yet: every scrape until then joins it. */
  private next: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly render: () => Promise<string>,
    private readonly options: RenderBudgetOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.tokens = options.burst;
    this.refilledAt = this.now();
  }

  text(): Promise<string> {
    if (this.next) return this.next;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return this.render();
    }
    const waitMs = Math.ceil(((1 - this.tokens) * 1_000) / this.options.rendersPerSecond);
    const next = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()).then(() => {
      this.next = undefined;
      // The wait was for one token: it is spent even if rounding left it a hair short.
      this.refill();
      this.tokens = Math.max(0, this.tokens - 1);
      return this.render();
    });
    this.next = next;
    return next;
  }

  private refill(): void {
    const now = this.now();
    const earned = (Math.max(0, now - this.refilledAt) * this.options.rendersPerSecond) / 1_000;
    this.tokens = Math.min(this.options.burst, this.tokens + earned);
    this.refilledAt = now;
  }
}
